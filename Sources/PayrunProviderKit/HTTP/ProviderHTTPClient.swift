// Sends provider requests with retries that never pay twice: a request is sent again after a
// connection error, a timeout, a 5xx or a 429 only if it is idempotent or carries a reference the
// provider deduplicates. Anything else gets one attempt, and an error that says what to check.

/// A request's attempts, for `--verbose`.
public struct RequestTrace: Sendable {
    public let method: String
    public let url: String
    /// The request's ``ProviderRequest/label``, if it has one.
    public let label: String?
    public let attempt: Int
    /// The status, or nil when there was no response.
    public let status: Int?
    public let error: String?
    public let milliseconds: Double
    /// When set, the request is sent again after this wait.
    public let retryingAfter: Duration?
    /// The headers sent, signature and tokens included: redact before showing them
    /// (``RequestTrace/redacted(_:)``).
    public let requestHeaders: [(String, String)]
    /// The response's headers as they came, made into strings only when read: every attempt is
    /// traced (counted, kept as the last), and few traces are ever shown.
    public let responseHeaderFields: ResponseHeaders
    /// The response's headers; empty when there was no response. Made on each read.
    public var responseHeaders: [(String, String)] { responseHeaderFields.pairs }

    /// Header names whose values are credentials or made from them, whatever the provider.
    static let sensitiveNameParts = ["auth", "token", "secret", "sign", "key", "password", "cookie", "session"]

    /// `headers` with the value of every header that carries (or is made from) a credential
    /// replaced by `[redacted]`: names containing "auth", "token", "secret", "sign", "key",
    /// "password", "cookie" or "session".
    public static func redacted(_ headers: [(String, String)]) -> [(String, String)] {
        headers.map { name, value in
            let lowered = name.lowercased()
            return sensitiveNameParts.contains(where: lowered.contains) ? (name, "[redacted]") : (name, value)
        }
    }
}

/// Sends ``ProviderRequest``s over an ``HTTPTransport`` under a ``RetryPolicy``.
public struct ProviderHTTPClient: Sendable {
    public let transport: HTTPTransport
    public let policy: RetryPolicy
    public let trace: (@Sendable (RequestTrace) -> Void)?

    public init(transport: HTTPTransport, policy: RetryPolicy = RetryPolicy(), trace: (@Sendable (RequestTrace) -> Void)? = nil) {
        self.transport = transport
        self.policy = policy
        self.trace = trace
    }

    /// The response (whatever its status), after the retries the request allows.
    /// - Throws: `ProviderHTTPError` when no response came.
    public func send(_ request: ProviderRequest) async throws(ProviderHTTPError) -> ProviderResponse {
        try await sendHere(request)
    }

    /// A request's first attempt, made on a blocking thread with no task
    /// (``firstAttemptNow(_:stop:)``): what came of it, and how long it took.
    package struct FirstAttempt: Sendable {
        let outcome: Result<ProviderResponse, TransportError>
        let elapsed: Duration
    }

    /// The first attempt of `request`, sent by this thread with no task when the transport can
    /// (``HTTPTransport/sendNow(_:stop:)``); nil when it cannot, with nothing answered.
    package func firstAttemptNow(_ request: ProviderRequest, stop: @escaping @Sendable () -> Bool) -> FirstAttempt? {
        let start = ContinuousClock.now
        let outcome: Result<ProviderResponse, TransportError>
        do throws(TransportError) {
            guard let response = try transport.sendNow(request, stop: stop) else { return nil }
            outcome = .success(response)
        } catch {
            outcome = .failure(error)
        }
        return FirstAttempt(outcome: outcome, elapsed: ContinuousClock.now - start)
    }

    /// The response, when `first` settles `request`: an answer that is not to be tried again
    /// (traced here). Nil when the attempts go on: ``sendHere(_:after:)`` takes it from there.
    package func settled(_ request: ProviderRequest, by first: FirstAttempt) -> ProviderResponse? {
        guard case .success(let response) = first.outcome, retryWait(request, first.outcome, attempt: 1) == nil else { return nil }
        report(request, first.outcome, attempt: 1, elapsed: first.elapsed, wait: nil)
        return ProviderResponse(status: response.status, headerFields: response.headerFields, body: response.body, attempts: 1)
    }

    /// ``send(_:)`` on the caller's executor (see ``HTTPTransport/sendHere(_:)``).
    /// - Parameter first: the first attempt, made already (``firstAttemptNow(_:stop:)``): the
    ///   attempts go on from it, as if it had been made here.
    package nonisolated(nonsending) func sendHere(_ request: ProviderRequest, after first: FirstAttempt? = nil) async throws(ProviderHTTPError) -> ProviderResponse {
        var attempt = 0
        // Whether an attempt before this one may have reached the provider (it was cut off after
        // it went out, or answered with a 5xx or 429 that may yet be applied): then a later
        // attempt stopped before it went out does not make the request "not sent".
        var earlierMayHaveArrived = false
        while true {
            attempt += 1
            let start = ContinuousClock.now
            let outcome: Result<ProviderResponse, TransportError>
            let elapsed: Duration
            if attempt == 1, let first {
                outcome = first.outcome
                elapsed = first.elapsed
            } else {
                do throws(TransportError) {
                    // A cancelled task (a stopped script's, or one whose payrun.parallel call ended
                    // before its request began) sends nothing. Checked before the first attempt only:
                    // a retry is decided on below, and reporting a retry as "not sent" would hide that
                    // the attempt before it may have arrived.
                    if attempt == 1 && Task.isCancelled { throw TransportError.stopped(sent: false) }
                    outcome = .success(try await transport.sendHere(request))
                } catch {
                    outcome = .failure(error)
                }
                elapsed = ContinuousClock.now - start
            }
            let wait = retryWait(request, outcome, attempt: attempt)
            report(request, outcome, attempt: attempt, elapsed: elapsed, wait: wait)
            // A cancelled task (a stopped script's) sends nothing more: its wait ends, and so do
            // the retries, which would otherwise go out with nobody awaiting them.
            if let wait, !Task.isCancelled, (try? await Task.sleep(for: wait)) != nil, !Task.isCancelled {
                switch outcome {
                case .success: earlierMayHaveArrived = true
                case .failure(let error): earlierMayHaveArrived = earlierMayHaveArrived || error.mayHaveBeenSent
                }
                continue
            }
            switch outcome {
            case .success(let response):
                return ProviderResponse(status: response.status, headerFields: response.headerFields, body: response.body, attempts: attempt)
            case .failure(let error) where !request.retrySafety.mayRetry && error.mayHaveBeenSent:
                throw .outcomeUnknown(method: request.method, url: request.url, cause: error, attempts: attempt)
            case .failure(let error):
                throw .failed(
                    method: request.method, url: request.url, cause: error, attempts: attempt,
                    mayHaveArrived: earlierMayHaveArrived || error.mayHaveBeenSent)
            }
        }
    }

    /// How long to wait before sending again, or nil to stop here.
    private func retryWait(_ request: ProviderRequest, _ outcome: Result<ProviderResponse, TransportError>, attempt: Int) -> Duration? {
        guard attempt < policy.attempts else { return nil }
        switch outcome {
        case .success(let response):
            guard request.retrySafety.mayRetry, RetryPolicy.isRetryable(status: response.status) else { return nil }
            return policy.delay(after: attempt, retryAfter: response.header("Retry-After"), random: .random(in: 0..<1))
        case .failure(let error):
            // A request that never arrived may always go again; one that may have arrived only if
            // repeating it is harmless.
            guard error.isTransient, request.retrySafety.mayRetry || !error.mayHaveBeenSent else { return nil }
            return policy.delay(after: attempt, retryAfter: nil, random: .random(in: 0..<1))
        }
    }

    private func report(_ request: ProviderRequest, _ outcome: Result<ProviderResponse, TransportError>, attempt: Int, elapsed: Duration, wait: Duration?) {
        guard let trace else { return }
        // Taken apart once: each `components` divides a 128-bit count of attoseconds.
        let (seconds, attoseconds) = elapsed.components
        let milliseconds = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        let (status, error, headers): (Int?, String?, ResponseHeaders) = switch outcome {
        case .success(let response): (response.status, nil, response.headerFields)
        case .failure(let failure): (nil, failure.description, ResponseHeaders([]))
        }
        trace(RequestTrace(
            method: request.method, url: request.url, label: request.label.map(ProviderHTTPError.shown), attempt: attempt, status: status, error: error,
            milliseconds: milliseconds, retryingAfter: wait, requestHeaders: request.headers, responseHeaderFields: headers))
    }
}

/// A request that got no response.
public enum ProviderHTTPError: Error, CustomStringConvertible {
    /// Every attempt allowed failed; `mayHaveArrived` when one of them may have reached the
    /// provider (for a request that may be repeated, since one that may not is `outcomeUnknown`).
    case failed(method: String, url: String, cause: TransportError, attempts: Int, mayHaveArrived: Bool)
    /// A mutation that cannot be safely resent lost its connection after it may have arrived.
    case outcomeUnknown(method: String, url: String, cause: TransportError, attempts: Int)

    public var description: String {
        switch self {
        case .failed(let method, let url, let cause, let attempts, _):
            "\(Self.shown(method)) \(Self.shown(url)): \(cause)" + (attempts > 1 ? " (after \(attempts) attempts)" : "")
        case .outcomeUnknown(let method, let url, let cause, _):
            "\(Self.shown(method)) \(Self.shown(url)): \(cause) after the request was sent, so it may or may not have been applied. "
                + "payrun does not send it again by itself, because the provider could not tell a repeat from a new request: "
                + "look the object up (by the reference or fields you sent) before trying again"
        }
    }

    /// `text` with its control characters percent-encoded, as a URL writes them: a line break
    /// in a script's URL would otherwise start a line of its own in a log.
    static func shown(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return text }
        let digits = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        for byte in text.utf8 {
            if byte < 0x20 || byte == 0x7F {
                bytes += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0xF)]]
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether the request may have reached the provider, by any of its attempts.
    public var mayHaveArrived: Bool {
        switch self {
        case .failed(_, _, _, _, let mayHaveArrived): mayHaveArrived
        case .outcomeUnknown: true
        }
    }

    /// How many times the request was tried, the last one included.
    public var attempts: Int {
        switch self {
        case .failed(_, _, _, let attempts, _), .outcomeUnknown(_, _, _, let attempts): attempts
        }
    }

    /// Whether sending the same request again later could succeed.
    public var isRetryable: Bool {
        switch self {
        case .failed(_, _, let cause, _, _): cause.isTransient
        case .outcomeUnknown: false
        }
    }
}
