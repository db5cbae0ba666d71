// A request to a provider as payrun sends it: already signed, and marked with whether sending
// it twice could pay twice.

/// One HTTP request to a provider.
public struct ProviderRequest: Sendable {
    public var method: String
    public var url: String
    /// In order; names as the provider documents them.
    public var headers: [(String, String)]
    public var body: [UInt8]?
    public var retrySafety: RetrySafety
    /// What names the request where its method and URL do not (Capitalist's operation, every
    /// one a POST to one URL): shown beside them by `--verbose`.
    public var label: String?

    /// - Parameter retrySafety: by default, from the method: GET, HEAD, OPTIONS, PUT and DELETE
    ///   are left to the provider to call idempotent; see ``RetrySafety``.
    public init(method: String, url: String, headers: [(String, String)] = [], body: [UInt8]? = nil, retrySafety: RetrySafety? = nil) {
        // Nearly always upper-case ASCII already: left as it is, without a Unicode case mapping.
        let isUpperCase = { (byte: UInt8) in byte < 0x80 && !(byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) }
        // Its bytes where they are: walking a string's UTF-8 view cost 150 instructions for "GET".
        let upperCase = method.utf8.withContiguousStorageIfAvailable { $0.allSatisfy(isUpperCase) } ?? method.utf8.allSatisfy(isUpperCase)
        let method = upperCase ? method : method.uppercased()
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.retrySafety = retrySafety ?? (method == "GET" || method == "HEAD" || method == "OPTIONS" ? .idempotent : .unsafe)
    }

    /// The value of the first header called `name`, ignoring case.
    public func header(_ name: String) -> String? {
        headers.value(named: name)
    }
}

/// Whether a request may be sent again after a failure without risk of doing its work twice.
public enum RetrySafety: Sendable, Equatable {
    /// Reads, and anything else whose repetition changes nothing.
    case idempotent
    /// A mutation carrying a reference the provider recognises when it comes again (Tradevest's
    /// `externalId`, Peex's `track_id`, a Capitalist payment number): named here for the error
    /// messages.
    case deduplicated(by: String)
    /// A mutation the provider cannot recognise a second time: never resent automatically.
    case unsafe

    var mayRetry: Bool { self != .unsafe }
}

/// A provider's answer.
public struct ProviderResponse: Sendable {
    public let status: Int
    /// The headers as they came, made into strings only when read (``headers``, ``header(_:)``).
    public let headerFields: ResponseHeaders
    public let body: [UInt8]
    /// How many times the request was sent to get this answer.
    public let attempts: Int

    public init(status: Int, headers: [(String, String)], body: [UInt8], attempts: Int = 1) {
        self.init(status: status, headerFields: ResponseHeaders(headers), body: body, attempts: attempts)
    }

    public init(status: Int, headerFields: ResponseHeaders, body: [UInt8], attempts: Int = 1) {
        self.status = status
        self.headerFields = headerFields
        self.body = body
        self.attempts = attempts
    }

    /// The headers in order, names as sent: made on each read, so read them once.
    public var headers: [(String, String)] { headerFields.pairs }

    /// The value of the first header called `name`, ignoring case.
    public func header(_ name: String) -> String? {
        headerFields.value(named: name)
    }

    /// The value of the first header called `name` as a whole number of decimal digits alone
    /// (``ResponseHeaders/integer(named:)``); nil when it is absent or anything else.
    public func integerHeader(_ name: String) -> Int? {
        headerFields.integer(named: name)
    }
}
