// Which credential: a provider and one of its fields, e.g. `particeep.api_secret`.

/// A credential's name: the provider it belongs to and the field, as `provider.field`.
public struct CredentialName: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let provider: String
    public let field: String

    public init(provider: String, field: String) {
        self.provider = provider
        self.field = field
    }

    /// Parses `provider.field`; both parts are lower-case words (letters, digits, `_`, `-`).
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy(Self.isWord) else { return nil }
        self.init(provider: String(parts[0]), field: String(parts[1]))
    }

    static func isWord(_ text: Substring) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_" || $0 == "-") }
    }

    public var description: String { "\(provider).\(field)" }

    public static func < (lhs: CredentialName, rhs: CredentialName) -> Bool {
        (lhs.provider, lhs.field) < (rhs.provider, rhs.field)
    }
}

/// Where a script's requests go, and whose credentials they use.
public enum PayrunEnvironment: String, Sendable, CaseIterable, CustomStringConvertible {
    /// payrun's built-in simulators, with built-in credentials: the default.
    case sandbox
    /// The providers' own test systems.
    case test
    /// Real money. Must be asked for explicitly.
    case live

    public var description: String { rawValue }
}
