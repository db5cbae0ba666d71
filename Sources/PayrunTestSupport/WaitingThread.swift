// Runs async work as a script's thread runs a request: on a thread of its own that may block,
// draining a `WaitingThreadExecutor`, so an `HTTPTransport` sends plain HTTP there itself; or as
// it runs the requests of `payrun.parallel`, polling their sockets together. Tests of the
// transport run each case these ways and from an ordinary task, to prove every path.
import Foundation
import PayrunLocks
import PayrunProviderKit

public enum WaitingThread {
    /// Where a request is awaited from.
    public enum Origin: String, Sendable, CaseIterable {
        /// An ordinary task: AsyncHTTPClient on an event loop.
        case task
        /// A thread that may block: plain HTTP sent and read by that thread.
        case waitingThread
        /// A thread polling its tasks' sockets together: plain HTTP suspended on its reactor.
        case reactor
    }

    /// `work`'s result, run from `origin`.
    public static func run<Value: Sendable>(
        from origin: Origin, _ work: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        switch origin {
        case .task: return try await work()
        case .waitingThread: return try await run(work)
        case .reactor: return try await run(reacting: true, work)
        }
    }

    /// `work`'s result, its jobs run on a new thread that waits for it and hears a stop from
    /// `stop`; with `reacting`, one that polls their sockets on a reactor. Cancelling the caller
    /// cancels `work`, as a stopped script's wait does.
    public static func run<Value: Sendable>(
        hearing stop: BlockingIO.StopCheck = BlockingIO.StopCheck { false }, reacting: Bool = false,
        _ work: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        let cancellation = Locked(Cancellation())
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                Thread {
                    let result = WaitingThreadExecutor.run(hearing: stop, reacting: reacting, started: { task in
                        if cancellation.withLock({ $0.task = task; return $0.cancelled }) { task.cancel() }
                    }, work)
                    continuation.resume(with: result ?? .failure(CancellationError()))
                }.start()
            }
        } onCancel: {
            cancellation.withLock { $0.cancelled = true; return $0.task }?.cancel()
        }
    }

    private struct Cancellation {
        var task: Task<Void, Never>?
        var cancelled = false
    }
}
