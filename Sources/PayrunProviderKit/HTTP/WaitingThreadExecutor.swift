// Runs a task's jobs on the thread that waits for the task: a script's thread waiting for its own
// request (`BlockingWait` in PayrunRuntime) runs the request itself, so a plain-HTTP request is
// written, read and finished with no other thread woken (see `PlainHTTPClient`), and anything
// the task awaits elsewhere (a TLS request on an event loop, a retry's sleep) comes back to this
// thread to go on.
import Dispatch
import PayrunLocks

/// A `TaskExecutor` drained by one waiting thread; after ``abandon()`` its jobs go to Swift's
/// global executor.
public final class WaitingThreadExecutor: TaskExecutor, Sendable {
    private let queue = Locked(Queue())
    private let wakeup = DispatchSemaphore(value: 0)
    /// The waiting thread's stop, for blocking I/O in the jobs it runs.
    @usableFromInline let stop: BlockingIO.StopCheck
    /// With one, the jobs may not block: their sockets are waited for here, and the waiting
    /// thread sleeps in the reactor's poll instead of on ``wakeup``.
    public let reactor: SocketReactor?

    /// An executor whose jobs may block, hearing `stop`.
    public init(stop: BlockingIO.StopCheck) {
        self.stop = stop
        reactor = nil
    }

    /// An executor whose jobs wait for sockets on a reactor of its own: for many tasks at once.
    /// Call on the thread that will run the jobs.
    public init(reactingHearing stop: BlockingIO.StopCheck) {
        self.stop = stop
        reactor = SocketReactor()
    }

    private struct Queue {
        /// The jobs queued, those before `next` already taken: the array keeps its storage from
        /// one request to the next.
        var jobs: [UnownedJob] = []
        var next = 0

        var abandoned = false
        /// The semaphore was signalled and the thread has not woken for it yet: one signal
        /// covers any number of wakes. Otherwise the wakes of a thread's kept executor would
        /// pile up over its requests, and its waits stop waiting.
        var signalled = false

        var isEmpty: Bool { next == jobs.count }

        mutating func take() -> UnownedJob? {
            guard next < jobs.count else {
                if next > 0 {
                    jobs.removeAll(keepingCapacity: true)
                    next = 0
                }
                return nil
            }
            defer { next += 1 }
            return jobs[next]
        }

        mutating func takeAll() -> ArraySlice<UnownedJob> {
            defer {
                jobs = []
                next = 0
            }
            return jobs[next...]
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let forwarded = queue.withLock { queue in
            guard !queue.abandoned else { return true }
            queue.jobs.append(job)
            return false
        }
        if forwarded {
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
        } else {
            wake()
        }
    }

    /// Runs the jobs queued, waiting until `deadline` for the first one.
    public func runJobs(waitingUntil deadline: DispatchTime) {
        runJobs(waitingUntil: deadline, hearing: stop)
    }

    /// ``runJobs(waitingUntil:)``, its jobs hearing `stop` rather than the executor's own (a
    /// thread's kept executor serves one script's requests, then another's).
    public func runJobs(waitingUntil deadline: DispatchTime, hearing stop: BlockingIO.StopCheck) {
        if let reactor {
            if !hasJobs {
                let now = DispatchTime.now().uptimeNanoseconds
                let nanoseconds = deadline.uptimeNanoseconds > now ? deadline.uptimeNanoseconds - now : 0
                reactor.poll(until: .now + .nanoseconds(min(nanoseconds, UInt64(Int64.max))))
            }
            BlockingIO.reacting(on: reactor) { runQueued() }
            return
        }
        guard wakeup.wait(timeout: deadline) == .success else { return }
        // Before the jobs are taken: a job queued after this is signalled afresh.
        queue.withLock { $0.signalled = false }
        BlockingIO.allowed(hearing: stop) { runQueued() }
    }

    private func runQueued() {
        while let job = takeJob() {
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }

    private var hasJobs: Bool { queue.withLock { !$0.isEmpty } }

    /// Wakes ``runJobs(waitingUntil:)``: a job was queued, or the task it waits for is over.
    public func wake() {
        if let reactor {
            reactor.wake()
        } else if queue.withLock({ queue in defer { queue.signalled = true }; return !queue.signalled }) {
            wakeup.signal()
        }
    }

    /// No thread runs the jobs from now on: those queued and any to come go to the global
    /// executor (a stopped wait leaves its cancelled task to finish there).
    public func abandon() {
        // Waits on the reactor end as stopped: nobody polls it any more.
        reactor?.abandon()
        let left = queue.withLock { queue in
            queue.abandoned = true
            return queue.takeAll()
        }
        for job in left { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
    }

    /// Runs `work` on this thread, draining an executor of its own, until `work` ends or `stop`
    /// says to stop waiting while it has no result (heard within 50 ms): then its task is
    /// cancelled, finishes on the global executor, and the result is nil.
    /// - Parameters:
    ///   - reacting: whether `work`'s sockets are waited for on a reactor this thread polls (so
    ///     that tasks `work` starts can overlap), rather than blocked on one at a time.
    ///   - started: is given `work`'s task as soon as there is one (to cancel it).
    @inlinable  // specialized in the caller: generic, it looked up Result's and Locked's metadata on every request
    public static func run<Value: Sendable>(
        hearing stop: BlockingIO.StopCheck, reacting: Bool = false, started: (Task<Void, Never>) -> Void = { _ in },
        _ work: @escaping @Sendable () async throws -> Value
    ) -> Result<Value, any Error>? {
        let executor = reacting ? WaitingThreadExecutor(reactingHearing: stop) : WaitingThreadExecutor(stop: stop)
        defer { executor.abandon() }
        return executor.runUntilDone(leavingWorkUnderWay: false, started: started, work)
    }

    /// Runs `work` as a task of this executor's, draining it on this thread until `work` ends or
    /// the executor's stop says to stop waiting (then `work`'s task is cancelled, and the result
    /// is nil). Unlike ``run(hearing:reacting:started:_:)``, the executor is kept: the tasks
    /// `work` started go on the next time it is drained, and what they can do now is done before
    /// this returns, so that a request they make is on its way while the caller does other work.
    /// Call on the thread the executor was made on.
    /// - Parameters:
    ///   - leavingWorkUnderWay: whether to run what other tasks can do now before returning
    ///     (false for an executor abandoned right after).
    ///   - started: is given `work`'s task as soon as there is one (to cancel it).
    @inlinable
    public func runUntilDone<Value: Sendable>(
        leavingWorkUnderWay: Bool = true, started: (Task<Void, Never>) -> Void = { _ in },
        _ work: @escaping @Sendable () async throws -> Value
    ) -> Result<Value, any Error>? {
        let outcome = Locked<Result<Value, any Error>?>(nil)
        let task = Task(executorPreference: self) {
            let result: Result<Value, any Error>
            do { result = .success(try await work()) } catch { result = .failure(error) }
            outcome.withLock { $0 = result }
            self.wake()
        }
        started(task)
        while true {
            runJobs(waitingUntil: .now() + .milliseconds(50))
            if let result = outcome.withLock({ $0 }) {
                if leavingWorkUnderWay {
                    // Twice: a job's first run can queue the next (a connection made, then the
                    // request written).
                    runJobs(waitingUntil: .now())
                    runJobs(waitingUntil: .now())
                }
                return result
            }
            if stop.isStopped() {
                task.cancel()
                return nil
            }
        }
    }

    /// ``run(hearing:_:)`` on the task this thread keeps for its requests (``KeptTask``), not on
    /// a task of its own: for a thread that makes many requests one after another.
    @inlinable
    public static func runOnKeptTask<Value: Sendable>(
        hearing stop: BlockingIO.StopCheck, _ work: @escaping @Sendable () async throws -> Value
    ) -> Result<Value, any Error>? {
        let outcome = Outcome<Value>()
        let finished = runOnKeptTask(hearing: stop, {
            do { outcome.result = .success(try await work()) } catch { outcome.result = .failure(error) }
        }, until: { outcome.result != nil })
        return finished ? outcome.result : nil
    }

    /// Where kept-task work leaves its result. Without a lock: the work's jobs run on the thread
    /// that reads it, between its reads (``runOnKeptTask(hearing:_:until:)``); after a stop they
    /// may run elsewhere, and nothing reads it any more.
    @usableFromInline
    final class Outcome<Value: Sendable>: @unchecked Sendable {
        @usableFromInline var result: Result<Value, any Error>?

        @usableFromInline init() {}
    }

    /// Runs `work` on this thread's kept task until `done`; false when `stop` came first (the
    /// task is then cancelled and not kept).
    public static func runOnKeptTask(hearing stop: BlockingIO.StopCheck, _ work: @escaping KeptTask.Work, until done: () -> Bool) -> Bool {
        let kept = KeptTask.take()
        kept.start(work)
        while true {
            kept.executor.runJobs(waitingUntil: .now() + .milliseconds(50), hearing: stop)
            if done() {
                KeptTask.keep(kept)
                return true
            }
            if stop.isStopped() {
                kept.cancel()
                return false
            }
        }
    }

    /// The next job queued. One at a time, so the queue keeps its storage: taking the whole
    /// array left an empty one to grow again for each request.
    private func takeJob() -> UnownedJob? {
        queue.withLock { $0.take() }
    }
}
