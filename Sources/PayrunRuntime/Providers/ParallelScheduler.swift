// Runs a script function over many items at once, the way OpenResty runs cosockets: each call
// is a Lua coroutine, a provider request made inside one yields it until the response arrives,
// and meanwhile the others run. One Lua thread, which also runs the requests: a plain-HTTP one
// waits for its socket on the thread's reactor, and the thread sleeps in one poll(2) over all of
// them when no coroutine can go on (HTTPS and the like go to AsyncHTTPClient's event loops, and
// come back here).
import Dispatch
import LuaKit
import PayrunLocks
import PayrunProviderKit

/// The coroutines of one `payrun.parallel` call and the responses they wait for.
final class ParallelScheduler: Sendable {
    /// What a coroutine's work ended with: a provider's reply, an HTTP response, or nothing (a sleep).
    typealias Outcome = Result<any Sendable, ProviderError>

    /// Threads (by address) the scheduler runs: a request on one of them yields.
    private let threads = Locked<Set<LuaStack.ThreadID>>([])
    /// Responses that arrived, by thread, not yet handed back.
    private let arrived = Locked<[LuaStack.ThreadID: Outcome]>([:])
    /// Where the coroutines' work runs: on the script's thread, between its coroutines.
    private let executor: WaitingThreadExecutor
    /// The work under way, by thread: cancelled when the call ends before it does.
    private let working = Locked<[LuaStack.ThreadID: KeptTask]>([:])
    /// Tasks whose work ended, kept for the next request: a task for each request cost more
    /// than its Lua call.
    private let idle = Locked<[KeptTask]>([])

    /// Call on the script's thread, which will run the work; `stop` says when to stop waiting.
    init(stop: BlockingIO.StopCheck) {
        executor = WaitingThreadExecutor(reactingHearing: stop)
    }

    /// The light userdata a waiting coroutine yields, so the scheduler knows the yield is its own.
    var marker: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    /// Whether a request made on `thread` should yield it: the thread is one of this call's
    /// coroutines, and nothing between it and its function forbids a yield.
    func waitsByYielding(_ thread: LuaStack) -> Bool {
        thread.isYieldable && threads.withLock { $0.contains(thread.threadID) }
    }

    func adopt(_ thread: LuaStack) {
        _ = threads.withLock { $0.insert(thread.threadID) }
    }

    func release(_ thread: LuaStack) {
        _ = threads.withLock { $0.remove(thread.threadID) }
    }

    /// Starts `work` for the coroutine `thread`, which then yields until ``take(for:)``.
    func start<Value: Sendable>(for thread: LuaStack, _ work: @escaping @Sendable () async throws(ProviderError) -> Value) {
        let key = thread.threadID
        let task = idle.withLock { $0.popLast() } ?? KeptTask(on: executor)
        // Known before its work begins: that happens when this thread next drains the executor.
        working.withLock { $0[key] = task }
        task.start {
            // Queued, not begun, when the call ended (it failed or was stopped): nothing is sent.
            guard !Task.isCancelled else { return }
            let outcome: Outcome
            do throws(ProviderError) { outcome = .success(try await work()) } catch { outcome = .failure(error) }
            self.working.withLock { $0[key] = nil }
            self.idle.withLock { $0.append(task) }
            self.arrived.withLock { $0[key] = outcome }
            self.executor.wake()
        }
    }

    /// The response for the coroutine `thread`, once it arrived.
    func take(for thread: LuaStack) -> Outcome? {
        arrived.withLock { $0.removeValue(forKey: thread.threadID) }
    }

    /// The threads whose responses arrived, running the work under way until at least one has;
    /// nil if the script was stopped meanwhile (heard within 50 ms).
    func waitForArrivals(stoppable stack: LuaStack) -> Set<LuaStack.ThreadID>? {
        while true {
            let ready = arrived.withLock { Set($0.keys) }
            if !ready.isEmpty { return ready }
            if stack.stopReason != nil { return nil }
            executor.runJobs(waitingUntil: .now() + .milliseconds(50))
        }
    }

    /// The call is over: work still under way (the call failed or was stopped) is cancelled and
    /// not run here any more. Work not begun sends nothing; requests waiting for their answer end
    /// as stopped (a mutation among them in doubt, as after a crash); none is retried; whatever
    /// else it awaits finishes on Swift's pool, its outcome dropped.
    func close() {
        let left = working.withLock { working in
            defer { working = [:] }
            return Array(working.values)
        }
        for task in left { task.cancel() }
        for task in idle.withLock({ idle in defer { idle = [] }; return idle }) { task.close() }
        executor.abandon()
    }
}
