// Runs Swift tasks on the event loop that does a transport's I/O. A request awaited from a task
// that prefers this executor starts, sends, reads and resumes on one thread: the hops to Swift's
// cooperative pool and back (two thread wake-ups a request, each tens of microseconds) are gone.
import NIOCore

/// A `TaskExecutor` that runs jobs on one NIO event loop (one of NIO's singleton group, which
/// lives as long as the process).
public final class EventLoopExecutor: TaskExecutor, Sendable {
    let loop: any EventLoop

    init(_ loop: any EventLoop) {
        self.loop = loop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
