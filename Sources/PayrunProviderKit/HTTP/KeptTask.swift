// A task kept for requests, given one piece of work after another. A task for each request cost
// it about 10K instructions and a dozen mallocs: the task itself, and the slabs its async frames
// live in (about 11 of them, a few KB in all), which a task keeps and reuses for as long as it
// lives. A script's thread waits for one request at a time, so one task does; `payrun.parallel`
// keeps one for each request it has under way at once.
import Glibc
import PayrunLocks

/// A task that runs the work it is given on a ``WaitingThreadExecutor``, one piece after another
/// (see ``WaitingThreadExecutor/runOnKeptTask(hearing:_:)``).
public final class KeptTask: Sendable {
    public typealias Work = @Sendable () async -> Void

    private struct State {
        /// The task, waiting for its next piece of work.
        var parked: UnsafeContinuation<Work?, Never>?
        /// Work given before the task was back for more.
        var given: Work?
        /// No more work: the task ends.
        var closed = false
    }

    public let executor: WaitingThreadExecutor
    /// Whether the executor is the task's own (a thread's), abandoned with it.
    private let ownsExecutor: Bool
    private let state: Locked<State>
    private let task: Task<Void, Never>

    /// A task on `executor`, which its owner drains and abandons.
    public convenience init(on executor: WaitingThreadExecutor) {
        self.init(executor, owning: false)
    }

    private init(_ executor: WaitingThreadExecutor, owning: Bool) {
        let state = Locked(State())
        self.executor = executor
        ownsExecutor = owning
        self.state = state
        task = Task(executorPreference: executor) {
            while let work = await KeptTask.next(from: state) { await work() }
        }
    }

    deinit {
        close()
    }

    private static func next(from state: Locked<State>) async -> Work? {
        await withUnsafeContinuation { continuation in
            let ready: Work?? = state.withLock { state in
                if state.closed { return .some(nil) }
                if let work = state.given {
                    state.given = nil
                    return .some(work)
                }
                state.parked = continuation
                return .none
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Gives the task `work`, which starts when the thread next drains the executor (after the
    /// work given before, if that has not ended yet).
    public func start(_ work: @escaping Work) {
        let parked = state.withLock { state -> UnsafeContinuation<Work?, Never>? in
            guard let parked = state.parked else {
                state.given = work
                return nil
            }
            state.parked = nil
            return parked
        }
        parked?.resume(returning: work)
    }

    /// Nobody waits for the work under way any more: the task is cancelled, and ends after it.
    public func cancel() {
        task.cancel()
        close()
    }

    /// No more work: the task ends once it is back for more; with its own executor, what it
    /// still does runs on Swift's pool.
    public func close() {
        let parked = state.withLock { state -> UnsafeContinuation<Work?, Never>? in
            state.closed = true
            // Work given and not begun never begins (and no longer holds what it captured).
            state.given = nil
            defer { state.parked = nil }
            return state.parked
        }
        parked?.resume(returning: nil)
        if ownsExecutor { executor.abandon() }
    }

    /// Each thread's kept task; released (and ended) when the thread exits.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<KeptTask>.fromOpaque(pointer).release() }
        }
        return key
    }()

    /// This thread's kept task, taken until ``keep(_:)``: a request made while it is in use
    /// (from inside another) gets one of its own.
    static func take() -> KeptTask {
        guard let pointer = pthread_getspecific(key) else {
            return KeptTask(WaitingThreadExecutor(stop: BlockingIO.StopCheck { false }), owning: true)
        }
        pthread_setspecific(key, nil)
        return Unmanaged<KeptTask>.fromOpaque(pointer).takeRetainedValue()
    }

    /// Keeps `task` for this thread's next request, unless the thread keeps another already.
    static func keep(_ task: KeptTask) {
        guard pthread_getspecific(key) == nil else { return }
        pthread_setspecific(key, Unmanaged.passRetained(task).toOpaque())
    }
}
