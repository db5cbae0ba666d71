// Whether the thread running now may block on a socket. A script's thread waiting for its own
// request runs the request's jobs itself (see `WaitingThreadExecutor` in PayrunRuntime) and says
// so here, for as long as it runs them; event loops and Swift's cooperative pool never do, and
// must never block. A thread's mark, not a task's: a task the request starts (a page fetched
// ahead) may run anywhere, and must not take the mark with it. The thread running the requests
// of `payrun.parallel` is marked otherwise: its tasks must not block (they are many), and wait
// for their sockets on the reactor the thread polls.
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

    /// What a thread's mark says: block, hearing `stop`, or suspend on `reactor`.
    private final class Mark {
        let stop: StopCheck?
        let reactor: SocketReactor?

        init(stop: StopCheck?, reactor: SocketReactor?) {
            self.stop = stop
            self.reactor = reactor
        }
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Runs `body` with this thread marked as one that may block, hearing a stop from `stop`.
    public static func allowed<Result>(hearing stop: StopCheck, _ body: () throws -> Result) rethrows -> Result {
        try marked(blockingMark(hearing: stop), body)
    }

    /// A mark to block hearing `stop`: the one this thread was given last, if it hears the same
    /// stop. A script's thread is marked for each of its requests, with one stop.
    private static func blockingMark(hearing stop: StopCheck) -> Mark {
        if let kept = pthread_getspecific(keptKey), Unmanaged<Mark>.fromOpaque(kept).takeUnretainedValue().stop === stop {
            return Unmanaged<Mark>.fromOpaque(kept).takeUnretainedValue()
        }
        let mark = Mark(stop: stop, reactor: nil)
        // Kept, so its stop is kept too: no other can be made at its address and taken for it.
        if let kept = pthread_getspecific(keptKey) { Unmanaged<Mark>.fromOpaque(kept).release() }
        pthread_setspecific(keptKey, Unmanaged.passRetained(mark).toOpaque())
        return mark
    }

    /// This thread's last blocking mark; released when the thread exits.
    private static let keptKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<Mark>.fromOpaque(pointer).release() }
        }
        return key
    }()

    /// Runs `body` with this thread marked as one whose tasks wait for sockets on `reactor`
    /// (the thread polls it between running them): they must not block, but suspend.
    public static func reacting<Result>(on reactor: SocketReactor, _ body: () throws -> Result) rethrows -> Result {
        try marked(Mark(stop: nil, reactor: reactor), body)
    }

    private static func marked<Result>(_ mark: Mark, _ body: () throws -> Result) rethrows -> Result {
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, Unmanaged.passUnretained(mark).toOpaque())
        defer {
            pthread_setspecific(key, previous)
            withExtendedLifetime(mark) {}
        }
        return try body()
    }

    private static var mark: Mark? {
        pthread_getspecific(key).map { Unmanaged<Mark>.fromOpaque($0).takeUnretainedValue() }
    }

    /// This thread's stop check when it may block; nil on event loops and Swift's pool.
    public static var stopCheck: StopCheck? { mark?.stop }

    /// The reactor this thread polls, when its tasks wait for sockets there.
    public static var reactor: SocketReactor? { mark?.reactor }
}
