// Runs async work as a script's thread runs a request: on a thread of its own that may block,
// draining a `WaitingThreadExecutor`, so an `HTTPTransport` sends plain HTTP there itself. Tests
// of the transport run each case this way and from an ordinary task, to prove both paths.
import Foundation
import PayrunProviderKit

public enum WaitingThread {
    /// Where a request is awaited from.
    public enum Origin: String, Sendable, CaseIterable {
        /// An ordinary task: AsyncHTTPClient on an event loop.
        case task
        /// A thread that may block: plain HTTP sent and read by that thread.
        case waitingThread
    }

    /// `work`'s result, run from `origin`.
    public static func run<Value: Sendable>(
        from origin: Origin, _ work: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        switch origin {
        case .task: return try await work()
        case .waitingThread: return try await run(work)
        }
    }

    /// `work`'s result, its jobs run on a new thread that waits for it and hears a stop from `stop`.
    public static func run<Value: Sendable>(
        hearing stop: BlockingIO.StopCheck = BlockingIO.StopCheck { false }, _ work: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                let executor = WaitingThreadExecutor(stop: stop)
                let outcome = Outcome<Value>()
                Task(executorPreference: executor) {
                    do { outcome.result = .success(try await work()) } catch { outcome.result = .failure(error) }
                    executor.wake()
                }
                while outcome.result == nil { executor.runJobs(waitingUntil: .now() + .milliseconds(50)) }
                executor.abandon()
                continuation.resume(with: outcome.result!)
            }.start()
        }
    }

    private final class Outcome<Value: Sendable>: @unchecked Sendable {
        // Set on the waiting thread, by a job it runs, and read there.
        var result: Result<Value, any Error>?
    }
}
