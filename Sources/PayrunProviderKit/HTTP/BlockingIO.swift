// Whether the thread running now may block on a socket. A script's thread waiting for its own
// request runs the request's jobs itself (see `WaitingThreadExecutor` in PayrunRuntime) and says
// so here, for as long as it runs them; event loops and Swift's cooperative pool never do, and
// must never block. A thread's mark, not a task's: a task the request starts (a page fetched
// ahead) may run anywhere, and must not take the mark with it.
import Glibc

/// The blocking I/O this thread allows, and how it hears a stop.
public enum BlockingIO {
    /// Answers whether the wait was asked to end (a script's time limit, Ctrl-C).
    public final class StopCheck: Sendable {
        public let isStopped: @Sendable () -> Bool

        public init(_ isStopped: @escaping @Sendable () -> Bool) {
            self.isStopped = isStopped
        }
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Runs `body` with this thread marked as one that may block, hearing a stop from `stop`.
    public static func allowed<Result>(hearing stop: StopCheck, _ body: () throws -> Result) rethrows -> Result {
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, Unmanaged.passUnretained(stop).toOpaque())
        defer { pthread_setspecific(key, previous) }
        return try body()
    }

    /// This thread's stop check when it may block; nil on event loops and Swift's pool.
    public static var stopCheck: StopCheck? {
        pthread_getspecific(key).map { Unmanaged<StopCheck>.fromOpaque($0).takeUnretainedValue() }
    }
}
