// Redaction by value: any credential's bytes in output become a marker naming the credential.
import PayrunFormats

/// Replaces every known secret in text with `[redacted provider.field]`.
///
/// A secret shorter than ``minimumLength`` bytes is left alone: replacing every "42" in a report
/// would make it unreadable and tell the reader the secret besides. One shorter than
/// ``tokenLength`` is replaced only where it stands alone (not inside a longer word).
public struct Redactor: Sendable {
    public static let minimumLength = 4
    public static let tokenLength = 8

    private let secrets: [(marker: [UInt8], bytes: [UInt8])]

    /// Each secret is looked for as it is, percent-encoded (as in a URL's query) and escaped as
    /// in a JSON string (with `/` as `/` or `\/`), the forms it takes on its way out and back.
    public init(_ secrets: [(CredentialName, Secret)]) {
        var forms: [(marker: [UInt8], bytes: [UInt8])] = []
        for (name, secret) in secrets {
            let marker = Array("[redacted \(name)]".utf8)
            for form in secret.withBytes(Self.forms) where !forms.contains(where: { $0.bytes == form }) {
                forms.append((marker, form))
            }
        }
        self.secrets = forms.sorted { $0.bytes.count > $1.bytes.count }  // longest first, so a prefix never wins
    }

    /// The forms a secret is looked for in, itself first: percent-encoded and escaped as in a
    /// JSON string (with `/` as `/` or `\/`), each once. None for a secret shorter than
    /// ``minimumLength``. An answer is searched for all of them before it is redacted (see
    /// `ProviderCredentials`): a `Link` quoting a key percent-encoded, a JSON body writing its
    /// `/` as `\/`, hand the script the secret itself once parsed.
    public static func forms(of secret: [UInt8]) -> [[UInt8]] {
        guard secret.count >= minimumLength else { return [] }
        let text = String(decoding: secret, as: UTF8.self)
        let json = Array(JSONValue.string(text).encoded().dropFirst().dropLast())
        // Many JSON writers (PHP's, Foundation's) also escape `/` as `\/`.
        let slashes = json.flatMap { $0 == UInt8(ascii: "/") ? [UInt8(ascii: "\\"), $0] : [$0] }
        var forms = [secret]
        for encoded in [Array(ProviderClient.percentEncoded(text).utf8), json, slashes] where !forms.contains(encoded) {
            forms.append(encoded)
        }
        return forms
    }

    /// Every secret `store` holds, in every environment.
    public init(store: any CredentialStore) {
        self.init(Self.secrets(in: store))
    }

    /// Every secret `store` holds and, in `sandbox`, the built-in ones `providers` sign with
    /// where the store has none (``PaymentProvider/sandboxCredentials``): a declared provider's
    /// `sandbox_credentials` are whatever its definition says, and a key sent in a URL's query
    /// would otherwise show in `--verbose` and the REPL's `:last`. Not one shorter than
    /// ``tokenLength``: a public sandbox PIN (`1234`) is far more often an amount in the output.
    public init(store: any CredentialStore, providers: [any PaymentProvider], in environment: PayrunEnvironment) {
        var secrets = Self.secrets(in: store)
        if environment == .sandbox {
            for provider in providers {
                for (field, value) in provider.sandboxCredentials.sorted(by: { $0.key < $1.key }) where value.utf8.count >= Self.tokenLength {
                    let name = CredentialName(provider: provider.name, field: field)
                    if store.secret(for: name, in: .sandbox) == nil { secrets.append((name, Secret(value))) }
                }
            }
        }
        self.init(secrets)
    }

    private static func secrets(in store: any CredentialStore) -> [(CredentialName, Secret)] {
        var secrets: [(CredentialName, Secret)] = []
        for environment in PayrunEnvironment.allCases {
            for name in store.names(in: environment) {
                if let secret = store.secret(for: name, in: environment) { secrets.append((name, secret)) }
            }
        }
        return secrets
    }

    public var isEmpty: Bool { secrets.isEmpty }

    public func redact(_ text: String) -> String {
        String(decoding: redact(Array(text.utf8)), as: UTF8.self)
    }

    /// `value` with every secret in its strings (member names included) redacted.
    public func redact(_ value: JSONValue) -> JSONValue {
        guard !secrets.isEmpty else { return value }
        return switch value {
        case .string(let text): .string(redact(text))
        case .array(let items): .array(items.map { redact($0) })
        case .object(let members):
            .object(Dictionary(members.map { (redact($0.key), redact($0.value)) }, uniquingKeysWith: { first, _ in first }))
        default: value
        }
    }

    /// `value` with each number whose digits hold a secret of at least ``tokenLength`` bytes
    /// made that secret's marker, a string: a numeric credential (an account number, a login)
    /// that a sender wrote as a number. Only where ``redact(_:)-(JSONValue)`` is not enough and
    /// the value is kept (a webhook's body): a shorter secret inside a number is left, where it
    /// is far more often an amount or a count.
    public func redactingNumbers(_ value: JSONValue) -> JSONValue {
        guard secrets.contains(where: { $0.bytes.count >= Self.tokenLength }) else { return value }
        func walk(_ value: JSONValue) -> JSONValue {
            switch value {
            case .integer, .number, .exactNumber:
                // As written out, and its significand's digits alone: `90031337428e6` is read
                // as a float and written `9.0031337428e+16`.
                let text = value.encoded()
                let significand = text.prefix { $0 != UInt8(ascii: "e") && $0 != UInt8(ascii: "E") }.filter { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
                func holds(_ secret: [UInt8], _ digits: [UInt8]) -> Bool { digits.indices.contains { matches(secret, in: digits, at: $0) } }
                guard let secret = secrets.first(where: {
                    $0.bytes.count >= Self.tokenLength && (holds($0.bytes, text) || holds($0.bytes, significand))
                }) else {
                    return value
                }
                return .string(String(decoding: secret.marker, as: UTF8.self))
            case .array(let items): return .array(items.map(walk))
            case .object(let members): return .object(members.mapValues(walk))
            default: return value
            }
        }
        return walk(value)
    }

    public func redact(_ input: [UInt8]) -> [UInt8] {
        guard !secrets.isEmpty else { return input }
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var index = 0
        scanning: while index < input.count {
            for secret in secrets where matches(secret.bytes, in: input, at: index) {
                output.append(contentsOf: secret.marker)
                index += secret.bytes.count
                continue scanning
            }
            output.append(input[index])
            index += 1
        }
        return output
    }

    /// ``redact(_:)-([UInt8])`` for a message that may end quoting the first bytes of `body` (an
    /// answer that is not JSON): a quote cut part-way through a secret the answer holds ends in
    /// its marker, not in its first part, which the whole-secret search cannot find.
    public func redact(_ text: String, quotingStartOf body: [UInt8]) -> String {
        let bytes = Array(text.utf8)
        // How much of the body's start the message ends with.
        let most = min(bytes.count, body.count, 1024)
        guard let quoted = stride(from: most, through: 1, by: -1).first(where: { bytes.suffix($0).elementsEqual(body.prefix($0)) }) else {
            return redact(text)
        }
        // The secret the quote's end cuts through, if any: the one that starts earliest.
        var cut: (start: Int, marker: [UInt8])?
        for secret in secrets {
            for start in 0..<quoted where start + secret.bytes.count > quoted && (cut == nil || start < cut!.start) {
                // Matched as far as the body goes, past the cut: which secret it was, where two start alike.
                let seen = min(start + secret.bytes.count, body.count)
                if body[start..<seen].elementsEqual(secret.bytes.prefix(seen - start)) { cut = (start, secret.marker); break }
            }
        }
        guard let cut else { return redact(text) }
        let head = bytes.count - (quoted - cut.start)
        return String(decoding: redact(Array(bytes[..<head])) + cut.marker, as: UTF8.self)
    }

    private func matches(_ secret: [UInt8], in input: [UInt8], at index: Int) -> Bool {
        guard index + secret.count <= input.count, input[index] == secret[0] else { return false }
        for offset in 1..<secret.count where input[index + offset] != secret[offset] { return false }
        if secret.count < Self.tokenLength {
            let before = index > 0 ? input[index - 1] : 0x20
            let after = index + secret.count < input.count ? input[index + secret.count] : 0x20
            return !Self.isWordByte(before) && !Self.isWordByte(after)
        }
        return true
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x5F
    }
}
