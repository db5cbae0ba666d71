// The secrets one provider signs with, in one environment: read from the credential store when a
// client is made, and only ever handed to that provider's signing code.
import PayrunFormats

/// A provider's credentials for one environment.
public struct ProviderCredentials: Sendable {
    public let provider: String
    public let environment: PayrunEnvironment
    /// By field, in a list: a provider has a few, and hashing a field's name to find it in a
    /// dictionary cost 340 instructions, twice a request.
    private let secrets: [(field: String, secret: Secret)]
    /// What an answer is searched for: each secret the redactor replaces, in each form it
    /// replaces (``Redactor/forms(of:)``), and the length of the shortest: a header value shorter
    /// than that holds none, and most are.
    private let searched: [SearchedSecret]
    private let shortestSearched: Int
    /// What the provider issued in the run (its tokens), searched for and redacted as these
    /// secrets are; nil for none (credentials not used by a client).
    public var issued: IssuedSecrets?

    public init(provider: String, environment: PayrunEnvironment, secrets: [String: Secret]) {
        self.provider = provider
        self.environment = environment
        self.secrets = secrets.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        searched = secrets.values.flatMap { $0.withBytes(Redactor.forms) }.map(SearchedSecret.init)
        shortestSearched = searched.map(\.bytes.count).min() ?? Int.max
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
        guard let secret = secrets.first(where: { $0.field.hasSameBytes(as: field) })?.secret else {
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
        if let issued, issued.all.contains(where: { entry in entry.forms.contains { $0.occurs(in: bytes) } }) { return true }
        guard bytes.count >= shortestSearched else { return false }
        return searched.contains { $0.occurs(in: bytes) }
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
        return Redactor(secrets.map { (CredentialName(provider: provider, field: $0.field), $0.secret) } + issued)
    }

    /// The secret `field` as text, for signing code that works on strings.
    public func text(_ field: String) throws(ProviderError) -> String {
        try secret(field).withBytes { String(decoding: $0, as: UTF8.self) }
    }
}
