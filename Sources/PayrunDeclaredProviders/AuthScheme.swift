// How a declared provider's requests are authenticated. Every kind is carried out in Swift
// (`DeclaredProvider.sign`): the definition names credential fields, never their values.

/// One way of adding authentication to a request.
public enum AuthScheme: Sendable, Equatable {
    /// A header whose value is a template over credentials (`Token {api_key}`).
    case header(name: String, value: Template, optional: Bool)
    /// `Authorization: Bearer <credential>`.
    case bearer(credential: String)
    /// `Authorization: Basic base64(user:password)`, each a credential field.
    case basic(username: String, password: String?)
    /// A query parameter carrying a credential.
    case query(name: String, credential: String)
    /// An OAuth 2.0 client-credentials token from `tokenURL`, sent as a bearer token, kept for
    /// the run and fetched again shortly before it expires or when refused with a 401.
    case oauth2(OAuthClientCredentials)
    /// A signature computed from parts of the request, sent in headers.
    case hmac(HMACRequestSigning)
}

/// A request signature and the headers that carry it (and the timestamp or nonce it signed).
public struct HMACRequestSigning: Sendable, Equatable {
    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: Template
    }

    public var signature: HMACSignature
    /// Sent in this order (by name).
    public var headers: [Header]
}

extension AuthScheme {
    /// The headers this kind sets.
    var headerNames: [String] {
        switch self {
        case .header(let name, _, _): [name]
        case .bearer, .basic, .oauth2: ["Authorization"]
        case .query: []
        case .hmac(let signing): signing.headers.map(\.name)
        }
    }
}

/// The OAuth 2.0 client-credentials grant (RFC 6749 §4.4).
public struct OAuthClientCredentials: Sendable, Equatable {
    /// Absolute, or a path on the base URL's host (`/oauth/token`).
    public var tokenURL: String
    public var clientID: String
    public var clientSecret: String
    public var scope: String?
    /// The client's credentials in a Basic header (the RFC's preference) rather than the form.
    public var basicAuthentication: Bool
}

/// A text with `{name}` placeholders, filled in Swift: a credential field, or `signature`,
/// `timestamp`, `nonce`.
public struct Template: Sendable, Equatable {
    public enum Piece: Sendable, Equatable {
        case literal(String)
        case value(String)
    }

    public var pieces: [Piece]

    /// Reads `{name}` placeholders; `{{` and `}}` stand for braces.
    public init(parsing text: String) throws(TemplateError) {
        var pieces: [Piece] = []
        var literal = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            if character == "{" || character == "}", next < text.endIndex, text[next] == character {
                literal.append(character)
                index = text.index(after: next)
                continue
            }
            if character == "}" { throw TemplateError(message: "a '}' with no '{' before it (write '}}' for a brace)") }
            guard character == "{" else {
                literal.append(character)
                index = next
                continue
            }
            guard let close = text[next...].firstIndex(of: "}") else { throw TemplateError(message: "a '{' with no '}' after it") }
            let name = String(text[next..<close])
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                throw TemplateError(message: "'{\(name)}' is not a name: write {signature}, {timestamp}, {nonce} or a credential field")
            }
            if !literal.isEmpty { pieces.append(.literal(literal)) }
            literal = ""
            pieces.append(.value(name))
            index = text.index(after: close)
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        self.pieces = pieces
    }

    public init(pieces: [Piece]) {
        self.pieces = pieces
    }

    /// The names it refers to.
    public var names: [String] {
        pieces.compactMap { if case .value(let name) = $0 { name } else { nil } }
    }

    /// The text with each name's value; nil when a value is missing.
    func filled<Failure: Error>(_ value: (String) throws(Failure) -> String?) throws(Failure) -> String? {
        var text = ""
        for piece in pieces {
            switch piece {
            case .literal(let literal): text += literal
            case .value(let name):
                guard let filled = try value(name) else { return nil }
                text += filled
            }
        }
        return text
    }
}

public struct TemplateError: Error, Sendable {
    public let message: String
}
