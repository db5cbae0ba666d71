// The threads Lua runs on. A Lua state blocks the thread it runs on while it waits (for a
// provider, a sleep, a host function), so it must never run on Swift's cooperative pool, whose
// few threads every task in the process shares: a run waits here, on threads of the engine's own.
import Glibc
import PayrunLocks

/// A small, fixed set of OS threads taking jobs in order.
final class LuaThreadPool: Sendable {
    typealias Job = @Sendable () -> Void

    private struct Queue {
        var jobs: [Job] = []
        var started = 0
        /// Threads waiting for a job: each takes one of `jobs`.
        var idle = 0
        var closed = false
        /// Threads that have not ended yet.
        var alive = 0
        /// Told when the last thread of a closed pool ends.
        var drained: [CheckedContinuation<Void, Never>] = []
    }

    private let queue = Locked(Queue())
    /// Signalled once per job queued (and per thread to wake when closing).
    private let available = Semaphore()
    let maximumThreads: Int

    init(threads: Int) {
        maximumThreads = max(1, threads)
    }

    /// Runs `job` on one of the pool's threads, starting one if all are busy and there is room.
    /// - Returns: false, running nothing, when the pool was closed.
    func submit(_ job: @escaping Job) -> Bool {
        let outcome = queue.withLock { queue -> (accepted: Bool, startThread: Bool) in
            guard !queue.closed else { return (false, false) }
            queue.jobs.append(job)
            // More jobs waiting than threads waiting for them: another thread, while there is room.
            guard queue.jobs.count > queue.idle, queue.started < maximumThreads else { return (true, false) }
            queue.started += 1
            queue.alive += 1
            queue.idle += 1
            return (true, true)
        }
        guard outcome.accepted else { return false }
        if outcome.startThread { start() }
        available.signal()
        return true
    }

    /// Takes no more jobs, and returns once the jobs already taken are done and the threads ended.
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let threads = queue.withLock { queue -> Int? in
                queue.closed = true
                guard queue.alive > 0 else { return nil }
                queue.drained.append(continuation)
                return queue.started
            }
            guard let threads else { return continuation.resume() }
            for _ in 0..<threads { available.signal() }
        }
    }

    private func start() {
        let thread = Unmanaged.passRetained(ThreadBody { [self] in work() }).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        // Lua and the host's recursion (encoding nested tables, the pattern matcher) want room.
        pthread_attr_setstacksize(&attributes, 8 << 20)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var handle = pthread_t()
        let status = pthread_create(&handle, &attributes, { context in
            let body = Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue()
            body.run()
            return nil
        }, thread)
        pthread_attr_destroy(&attributes)
        precondition(status == 0, "cannot start a Lua thread: \(String(cString: strerror(status)))")
    }

    private func work() {
        while true {
            available.wait()
            let job = queue.withLock { queue -> Job? in
                guard !queue.jobs.isEmpty else { return nil }
                queue.idle -= 1
                return queue.jobs.removeFirst()
            }
            guard let job else {
                let drained = queue.withLock { queue -> [CheckedContinuation<Void, Never>]? in
                    guard queue.closed else { return nil }
                    queue.alive -= 1
                    guard queue.alive == 0 else { return [] }
                    defer { queue.drained = [] }
                    return queue.drained
                }
                guard let drained else { continue }
                for continuation in drained { continuation.resume() }
                return
            }
            job()
            queue.withLock { $0.idle += 1 }
        }
    }
}

/// A closure handed to a new thread.
private final class ThreadBody {
    let run: () -> Void

    init(_ run: @escaping () -> Void) {
        self.run = run
    }
}

/// A counting semaphore of the OS (Dispatch's would do too, but needs nothing of libdispatch).
final class Semaphore: @unchecked Sendable {
    // Safe to share: sem_t is made for threads to wait and post on together.
    private let handle = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)

    init(_ value: UInt32 = 0) {
        sem_init(handle, 0, value)
    }

    deinit {
        sem_destroy(handle)
        handle.deallocate()
    }

    func signal() {
        sem_post(handle)
    }

    func wait() {
        while sem_wait(handle) != 0 && errno == EINTR {}
    }
}
