// One kind of misbehaviour the simulators can put into a reply on purpose, to test a script's
// retries and recovery.

/// What to do to a matching request. All parts are optional; several can combine (latency with a
/// 503, say).
public struct Fault: Sendable, Equatable {
    /// Wait this long, chosen evenly from the range, before answering.
    public var latency: ClosedRange<Duration>?
    /// Answer with this status (500, 502, 503, 429, …) instead of serving the request.
    public var status: Int?
    /// With a 429 or 503: the `Retry-After` header, in seconds.
    public var retryAfter: Int?
    /// Close the connection without answering.
    public var drop = false
    /// Serve the request (its effect happens), wait the latency, then close the connection
    /// without the answer: a client cannot tell whether it was applied.
    public var loseAnswer = false
    /// Leave this many matching requests alone before the fault starts (with a plan's rules).
    public var after = 0
    /// Send the headers at once and the body spread over this long.
    public var slowBody: Duration?
    /// How often the fault happens, from 0 to 1.
    public var probability = 1.0
    /// Statuses for successive matching requests, 0 meaning "serve it normally"; once used up,
    /// requests are served normally.
    public var sequence: [Int]?

    public init(
        latency: ClosedRange<Duration>? = nil, status: Int? = nil, retryAfter: Int? = nil, drop: Bool = false,
        slowBody: Duration? = nil, probability: Double = 1, sequence: [Int]? = nil
    ) {
        self.latency = latency
        self.status = status
        self.retryAfter = retryAfter
        self.drop = drop
        self.slowBody = slowBody
        self.probability = probability
        self.sequence = sequence
    }
}

/// A fault and the requests it applies to.
public struct FaultRule: Sendable, Equatable {
    /// `GET`, `PUT`, …; nil for any method.
    public var method: String?
    /// The request path; `*` matches any run of characters, so `*` alone matches every path.
    public var path: String
    public var fault: Fault

    public init(method: String? = nil, path: String = "*", fault: Fault) {
        self.method = method
        self.path = path
        self.fault = fault
    }

    func matches(method: String, path: String) -> Bool {
        (self.method == nil || self.method == method) && Self.glob(Array(self.path.utf8)[...], Array(path.utf8)[...])
    }

    private static func glob(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
        guard let first = pattern.first else { return text.isEmpty }
        if first == UInt8(ascii: "*") {
            let rest = pattern.dropFirst()
            return text.indices.contains { glob(rest, text[$0...]) } || glob(rest, text[text.endIndex...])
        }
        return text.first == first && glob(pattern.dropFirst(), text.dropFirst())
    }
}
