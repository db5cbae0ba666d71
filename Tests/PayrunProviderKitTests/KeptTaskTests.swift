// A thread's requests run on the task it keeps (`WaitingThreadExecutor.runOnKeptTask`): on that
// thread, one task for all of them; a stop cancels the work under way and ends the wait at once,
// and the thread's next request runs on a fresh task, not a cancelled one; a request made from
// inside another gets a task of its own; and however many wakes came, a kept executor's next
// wait still waits.
import Foundation
import PayrunLocks
import PayrunProviderKit
import Testing

@Suite struct KeptTaskTests {
    /// What `body` returns, run on a new thread that may block.
    func onThread<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: body()) }.start()
        }
    }

    /// The current task's identity, and whether it is cancelled.
    static func currentTask() -> (id: Int, cancelled: Bool) {
        withUnsafeCurrentTask { ($0?.hashValue ?? 0, $0?.isCancelled ?? true) }
    }

    static let noStop = BlockingIO.StopCheck { false }

    @Test func aThreadsRequestsRunOnItOneAfterAnotherOnOneTask() async throws {
        let runs = await onThread { () -> [(onThisThread: Bool, task: Int)] in
            let thread = pthread_self()
            return (0..<3).map { _ in
                let outcome = WaitingThreadExecutor.runOnKeptTask(hearing: Self.noStop) {
                    try await Task.sleep(for: .milliseconds(1))   // a real suspension, resumed on the thread
                    return (pthread_equal(pthread_self(), thread) != 0, Self.currentTask().id)
                }
                return (try? outcome?.get()) ?? (false, 0)
            }
        }
        #expect(runs.allSatisfy { $0.onThisThread })
        #expect(runs[0].task != 0 && runs.allSatisfy { $0.task == runs[0].task })
    }

    @Test func aStopCancelsTheWorkUnderWayAndTheNextRequestRunsOnAFreshTask() async throws {
        let stopped = Locked(false)
        let stop = BlockingIO.StopCheck { stopped.withLock { $0 } }
        let firstEnded = Locked<String?>(nil)
        let (first, second) = await onThread { () -> (Bool, (id: Int, cancelled: Bool)?) in
            let first = WaitingThreadExecutor.runOnKeptTask(hearing: stop) { () async throws -> Int in
                stopped.withLock { $0 = true }
                do {
                    try await Task.sleep(for: .seconds(60))
                    firstEnded.withLock { $0 = "slept" }
                } catch {
                    firstEnded.withLock { $0 = "cancelled" }
                }
                return 1
            }
            stopped.withLock { $0 = false }
            let second = WaitingThreadExecutor.runOnKeptTask(hearing: stop) { Self.currentTask() }
            return (first == nil, try? second?.get())
        }
        #expect(first, "a stop ends the wait with nothing")
        #expect(second?.cancelled == false, "the next request does not run on the cancelled task")
        // The stopped work hears its cancellation, on Swift's pool (bounded: 10 s).
        for _ in 0..<200 where firstEnded.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(50)) }
        #expect(firstEnded.withLock { $0 } == "cancelled")
    }

    @Test func aRequestMadeFromInsideAnotherRunsOnATaskOfItsOwn() async throws {
        let tasks = await onThread { () -> (outer: Int, inner: Int)? in
            let outcome = WaitingThreadExecutor.runOnKeptTask(hearing: Self.noStop) { () async throws -> (outer: Int, inner: Int) in
                let inner = WaitingThreadExecutor.runOnKeptTask(hearing: Self.noStop) { Self.currentTask().id }
                return (Self.currentTask().id, try inner?.get() ?? 0)
            }
            return try? outcome?.get()
        }
        #expect(tasks != nil && tasks!.inner != 0 && tasks!.outer != tasks!.inner)
    }

    @Test func wakesLeaveNoneBehindForTheNextWait() async throws {
        // A thread's kept executor serves request after request; wakes it got while running jobs
        // (an HTTPS answer and a timer at once) must not make its later waits return at once,
        // which would spin the thread while it waits for a slow answer. A wait ends late on a
        // loaded machine, never early, so the second one must take its whole 300 ms.
        let waited = await onThread { () -> Double in
            let executor = WaitingThreadExecutor(stop: Self.noStop)
            defer { executor.abandon() }
            for _ in 0..<100 { executor.wake() }
            executor.runJobs(waitingUntil: .now() + .milliseconds(10))
            let start = DispatchTime.now()
            executor.runJobs(waitingUntil: .now() + .milliseconds(300))
            return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        }
        #expect(waited >= 0.25, "the second wait returned after \(waited) s: a wake was left behind")
    }

    /// An executor with a reactor (a pipe's two descriptors) is freed once abandoned and its work
    /// is over: a script that pages many lists does not keep one for each.
    @Test func anAbandonedExecutorsWorkDoesNotKeepIt() async throws {
        let freed = await onThread { () -> Bool in
            weak var weakExecutor: WaitingThreadExecutor?
            do {
                let executor = WaitingThreadExecutor(reactingHearing: Self.noStop)
                weakExecutor = executor
                let outcome = executor.runUntilDone {
                    try await Task.sleep(for: .milliseconds(1))
                    return 42
                }
                #expect((try? outcome?.get()) == 42)
                executor.abandon()
            }
            // Its tasks end on other threads: give them a moment.
            for _ in 0..<100 where weakExecutor != nil { usleep(10_000) }
            return weakExecutor == nil
        }
        #expect(freed)
    }
}

