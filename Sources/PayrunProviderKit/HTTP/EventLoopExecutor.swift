// Runs Swift tasks on the event loop that does a transport's I/O. A request awaited from a task
// that prefers this executor starts, sends, reads and resumes on one thread: the hops to Swift's
// cooperative pool and back (two thread wake-ups a request, each tens of microseconds) are gone.
import NIOCore
import Synchronization

/// A `TaskExecutor` that runs jobs on one NIO event loop, or, once its transport has closed the
/// loops, on Swift's global executor: a request cancelled as the transport shuts down still
/// finishes its task instead of being dropped by a loop that is gone.
public final class EventLoopExecutor: TaskExecutor, Sendable {
    let loop: any EventLoop
    private let closed: Closed

    /// Whether a transport's loops are shut down; shared by its executors.
    final class Closed: Sendable {
        let value = Atomic<Bool>(false)
    }

    init(_ loop: any EventLoop, closed: Closed) {
        self.loop = loop
        self.closed = closed
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        guard !closed.value.load(ordering: .acquiring) else {
            globalConcurrentExecutor.enqueue(job)
            return
        }
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
