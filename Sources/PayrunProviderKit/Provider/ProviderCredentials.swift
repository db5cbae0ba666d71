// The secrets one provider signs with, in one environment: read from the credential store when a
// client is made, and only ever handed to that provider's signing code.
import PayrunFormats
import CByteSearch
import Glibc

/// A provider's credentials for one environment.
public struct ProviderCredentials: Sendable {
    public let provider: String
    public let environment: PayrunEnvironment
    private let secrets: [String: Secret]
    /// What an answer is searched for: each secret the redactor replaces, in each form it
    /// replaces (``Redactor/forms(of:)``), and the length of the shortest: a header value shorter
    /// than that holds none, and most are.
    private let searched: [[UInt8]]
    private let shortestSearched: Int
    /// What the provider issued in the run (its tokens), searched for and redacted as these
    /// secrets are; nil for none (credentials not used by a client).
    public var issued: IssuedSecrets?

    public init(provider: String, environment: PayrunEnvironment, secrets: [String: Secret]) {
        self.provider = provider
        self.environment = environment
        self.secrets = secrets
        searched = secrets.values.flatMap { $0.withBytes(Redactor.forms) }
        shortestSearched = searched.map(\.count).min() ?? Int.max
    }

    /// The fields `provider` needs from `store`; in `sandbox`, the simulator's public ones fill
    /// what the store does not have.
    public init(for provider: any PaymentProvider, in environment: PayrunEnvironment, from store: any CredentialStore) {
        var secrets: [String: Secret] = [:]
        for field in provider.credentialFields {
            if let secret = store.secret(for: CredentialName(provider: provider.name, field: field), in: environment) {
                secrets[field] = secret
            } else if environment == .sandbox, let value = provider.sandboxCredentials[field] {
                secrets[field] = Secret(value)
            }
        }
        self.init(provider: provider.name, environment: environment, secrets: secrets)
    }

    /// The secret `field`.
    /// - Throws: `ProviderError` saying how to set it when it is not configured.
    public func secret(_ field: String) throws(ProviderError) -> Secret {
        guard let secret = secrets[field] else {
            let name = CredentialName(provider: provider, field: field)
            throw ProviderError(
                provider: provider, message: "no credential \(name) in the \(environment) environment: set it with "
                    + "`payrun credentials set \(name) --env \(environment)` or the variable "
                    + EnvironmentOverrides.variableName(for: name, in: environment))
        }
        return secret
    }

    /// Whether any of these secrets occurs in `body`, as it is or in a form the redactor replaces
    /// (a fast search, so most answers are passed over at once).
    func mayContain(in body: [UInt8]) -> Bool {
        body.withUnsafeBytes(mayContain)
    }

    private func mayContain(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if let issued, issued.all.contains(where: { entry in entry.forms.contains { Self.find($0, in: bytes) } }) { return true }
        guard bytes.count >= shortestSearched else { return false }
        return searched.contains { Self.find($0, in: bytes) }
    }

    /// `value` with any of these secrets in its strings replaced by a marker: a provider that
    /// echoes a secret back (a webhook's registered header) does not hand it to the script.
    /// Strings only, so a short secret that is also a number in the answer is left alone.
    func redacting(_ value: JSONValue) -> JSONValue {
        let redactor = self.redactor
        func walk(_ value: JSONValue) -> JSONValue {
            switch value {
            case .string(let text): return .string(redactor.redact(text))
            case .array(let items): return .array(items.map(walk))
            case .object(let members): return .object(members.mapValues(walk))
            default: return value
            }
        }
        return walk(value)
    }

    /// `headers` with any of these secrets redacted from their values (a `Link` header quoting
    /// the query a key went in); the same array when none holds one, which is nearly always.
    func redacting(_ headers: [(String, String)]) -> [(String, String)] {
        guard headers.contains(where: { header in
            var value = header.1
            return value.withUTF8 { mayContain(UnsafeRawBufferPointer($0)) }
        }) else { return headers }
        let redactor = self.redactor
        return headers.map { ($0.0, redactor.redact($0.1)) }
    }

    /// `headers` with any of these secrets redacted from their values; the same headers, still
    /// as bytes, when none holds one.
    func redacting(_ headers: ResponseHeaders) -> ResponseHeaders {
        if let bytes = headers.lineBytes {
            return mayContain(in: bytes) ? ResponseHeaders(redacting(headers.pairs)) : headers
        }
        return ResponseHeaders(redacting(headers.pairs))
    }

    /// `error` with any of these secrets redacted from its text: a provider that quotes a key it
    /// refused in its error message does not hand it to the script.
    /// - Parameter body: the answer the error is about, when it holds a secret: a message that
    ///   ends quoting its first bytes may end part-way through one, which is redacted too.
    func redacting(_ error: ProviderError, quoting body: [UInt8]? = nil) -> ProviderError {
        let redactor = self.redactor
        var redacted = error
        redacted.message = body.map { redactor.redact(error.message, quotingStartOf: $0) } ?? redactor.redact(error.message)
        redacted.code = error.code.map(redactor.redact)
        redacted.requestID = error.requestID.map(redactor.redact)
        redacted.details = error.details.mapValues(redactor.redact)
        return redacted
    }

    /// A redactor for these secrets, each named as its credential (made anew: take it once per
    /// value redacted).
    private var redactor: Redactor {
        let issued = (issued?.all ?? []).map { (CredentialName(provider: provider, field: IssuedSecrets.field), $0.secret) }
        return Redactor(secrets.map { (CredentialName(provider: provider, field: $0.key), $0.value) } + issued)
    }

    /// Whether `needle` occurs in `haystack`: candidates found with `memchr`, checked with `memcmp`.
    /// A long answer (a page of 166 KB) goes to glibc's `memmem`, which skips ahead by pairs of
    /// bytes the needle does not hold: `memchr` for the first byte then `memcmp` stopped at every
    /// "s" of a JSON answer for a secret that starts with one. A short one (a header, a single
    /// object) is searched that way all the same: `memmem` builds a table first.
    private static func find(_ needle: [UInt8], in haystack: UnsafeRawBufferPointer) -> Bool {
        needle.withUnsafeBytes { needle in
            guard let base = haystack.baseAddress, let wanted = needle.baseAddress, !needle.isEmpty,
                  haystack.count >= needle.count else { return false }
            if haystack.count >= 1024 { return payrun_memmem(base, haystack.count, wanted, needle.count) != nil }
            var offset = 0
            while offset + needle.count <= haystack.count {
                guard let found = memchr(base + offset, Int32(needle[0]), haystack.count - needle.count - offset + 1) else { return false }
                if memcmp(found, wanted, needle.count) == 0 { return true }
                offset = base.distance(to: UnsafeRawPointer(found)) + 1
            }
            return false
        }
    }

    /// The secret `field` as text, for signing code that works on strings.
    public func text(_ field: String) throws(ProviderError) -> String {
        try secret(field).withBytes { String(decoding: $0, as: UTF8.self) }
    }
}
