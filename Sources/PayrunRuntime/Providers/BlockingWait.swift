// Waits on the Lua thread for async work (a provider's answer), while still hearing a stop: the
// time limit or Ctrl-C ends the wait at once instead of when the network gives up.
import Dispatch
import LuaKit
import PayrunProviderKit
import PayrunLocks

enum BlockingWait {
    /// Runs `work` and waits for its result on this thread.
    /// - Parameters:
    ///   - stack: the script's stack, whose stop requests end the wait; nil to wait whatever
    ///     happens (for cleaning up).
    ///   - executor: where `work` runs: a transport's event loop for a request, so it needs no
    ///     hop to Swift's cooperative pool and back; nil for the pool.
    /// - Throws: what `work` throws, or `Stopped` when the script is stopped while waiting.
    static func run<Value: Sendable>(
        stoppable stack: LuaStack?, on executor: (any TaskExecutor)? = nil, _ work: @escaping @Sendable () async throws -> Value
    ) throws -> Value {
        let outcome = Outcome<Value>()
        let task = Task(executorPreference: executor) {
            do {
                outcome.finish(.success(try await work()))
            } catch {
                outcome.finish(.failure(error))
            }
        }
        // Short waits, so a stop is heard within 50 ms.
        while outcome.done.wait(timeout: .now() + .milliseconds(50)) == .timedOut {
            if stack?.stopReason != nil {
                task.cancel()
                throw Stopped()
            }
        }
        return try outcome.result!.get()
    }

    /// Runs `work` on this thread and waits for its result: a plain-HTTP request in it is sent
    /// and read here, with no thread woken (``WaitingThreadExecutor`` marks the thread as one
    /// that may block, and how it hears a stop); whatever `work` awaits elsewhere resumes here.
    /// - Throws: what `work` throws, or `Stopped` when the script is stopped before it
    ///   succeeds.
    static func runHere<Value: Sendable>(
        stoppable stack: LuaStack, session: ProviderSession, _ work: @escaping @Sendable () async throws -> Value
    ) throws -> Value {
        let stop = session.stopCheck(for: stack)
        return try value(of: WaitingThreadExecutor.runOnKeptTask(hearing: stop, work), hearing: stop)
    }

    /// What a wait on this thread came to (``WaitingThreadExecutor``'s result: nil when `stop`
    /// ended it): the value, or the error thrown for it.
    /// - Throws: the work's error, or `Stopped` when the wait was stopped or failed with a stop.
    static func value<Value>(of outcome: Result<Value, any Error>?, hearing stop: BlockingIO.StopCheck) throws -> Value {
        switch outcome {
        case .success(let value)?:
            return value
        case .failure(let error)?:
            // A failure that came with a stop (the request gave up waiting) is the stop.
            if stop.isStopped() { throw Stopped() }
            throw error
        case nil:
            throw Stopped()
        }
    }

    struct Stopped: Error, CustomStringConvertible {
        var description: String { "script stopped while waiting for a response" }
    }

    private final class Outcome<Value: Sendable>: Sendable {
        let done = DispatchSemaphore(value: 0)
        private let stored = Locked<Result<Value, any Error>?>(nil)

        var result: Result<Value, any Error>? { stored.withLock { $0 } }

        func finish(_ result: Result<Value, any Error>) {
            stored.withLock { $0 = result }
            done.signal()
        }
    }
}
