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
    private let stop: BlockingIO.StopCheck

    public init(stop: BlockingIO.StopCheck) {
        self.stop = stop
    }

    private struct Queue {
        var jobs: [UnownedJob] = []
        var abandoned = false
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
            wakeup.signal()
        }
    }

    /// Runs the jobs queued, waiting until `deadline` for the first one.
    public func runJobs(waitingUntil deadline: DispatchTime) {
        guard wakeup.wait(timeout: deadline) == .success else { return }
        BlockingIO.allowed(hearing: stop) {
            while let jobs = takeJobs() {
                for job in jobs { job.runSynchronously(on: asUnownedTaskExecutor()) }
            }
        }
    }

    /// Wakes ``runJobs(waitingUntil:)`` with nothing to run: the task it waits for is over.
    public func wake() {
        wakeup.signal()
    }

    /// No thread runs the jobs from now on: those queued and any to come go to the global
    /// executor (a stopped wait leaves its cancelled task to finish there).
    public func abandon() {
        let left = queue.withLock { queue in
            queue.abandoned = true
            defer { queue.jobs = [] }
            return queue.jobs
        }
        for job in left { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
    }

    private func takeJobs() -> [UnownedJob]? {
        queue.withLock { queue in
            guard !queue.jobs.isEmpty else { return nil }
            defer { queue.jobs = [] }
            return queue.jobs
        }
    }
}
