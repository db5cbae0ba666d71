// When a failed request is sent again: connection errors, timeouts, 5xx and 429, for requests
// that cannot pay twice, after exponentially growing waits with jitter, or what Retry-After asks.
import PayrunFormats

/// How many attempts, and how long between them.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included.
    public var attempts = 4
    /// The wait before the second attempt; each later wait doubles, up to `maximumDelay`.
    public var firstDelay: Duration = .milliseconds(500)
    public var maximumDelay: Duration = .seconds(30)
    /// Each wait is shortened by up to this share, at random, so clients that failed together do
    /// not come back together.
    public var jitter = 0.2
    /// A `Retry-After` longer than this is not waited for: the error is returned instead.
    public var maximumRetryAfter: Duration = .seconds(120)

    public init() {}

    /// No retries at all.
    public static var never: RetryPolicy {
        var policy = RetryPolicy()
        policy.attempts = 1
        return policy
    }

    /// Statuses that say "try again later": the request was not (or not fully) handled.
    public static func isRetryable(status: Int) -> Bool {
        status == 429 || status == 408 || (500...599).contains(status) && status != 501
    }

    /// The wait before attempt `attempt + 1`, or nil when the server asks for longer than
    /// `maximumRetryAfter`. `retryAfter` is the header's text (seconds; an HTTP date counts as
    /// no hint); `random` is in 0..<1.
    public func delay(after attempt: Int, retryAfter: String?, random: Double) -> Duration? {
        if let retryAfter, let seconds = Double(retryAfter.trimming(" ")), seconds >= 0 {
            let asked = Duration.milliseconds(Int(seconds * 1000))
            return asked <= maximumRetryAfter ? asked : nil
        }
        var delay = firstDelay
        for _ in 1..<max(attempt, 1) where delay < maximumDelay { delay *= 2 }
        delay = min(delay, maximumDelay)
        return delay * (1 - jitter * random)
    }
}
