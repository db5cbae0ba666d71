// One poll(2) over many sockets, for the thread that drains a `WaitingThreadExecutor`: the
// requests of `payrun.parallel` are plain-HTTP tasks on the script's thread, each suspended while
// its socket has nothing to say, and the thread sleeps in a single poll over all of them between
// running Lua. No event loop, no thread woken but the one that goes on.
import Glibc
import PayrunLocks

/// Sockets waited for by suspended tasks, woken by the thread that polls them.
public final class SocketReactor: Sendable {
    private struct Waiter {
        let descriptor: Int32
        let events: Int16
        let deadline: ContinuousClock.Instant
        let continuation: CheckedContinuation<PlainSocket.Readiness, Never>
    }

    private struct State {
        /// A dozen or so at a time: an array, not a dictionary (no hashing for each wait).
        var waiters: [Waiter] = []
        /// After ``abandon()``: nobody polls any more, and every wait ends at once.
        var abandoned = false
    }

    private let state = Locked(State())
    /// A pipe other threads write a byte to, to end a poll: work was queued for the polling
    /// thread. Read end, write end.
    private let wakeDescriptors: (read: Int32, write: Int32)
    /// The thread that polls: it needs no waking by what it does itself.
    private let owner = pthread_self()

    /// Call on the thread that will poll.
    public init() {
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) == 0 {
            for end in ends {
                _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
                _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            }
        }
        wakeDescriptors = (ends[0], ends[1])
    }

    /// Whether nobody polls any more.
    var isAbandoned: Bool { state.withLock { $0.abandoned } }

    /// Whether the caller is the polling thread.
    private var isOwnerThread: Bool { pthread_equal(pthread_self(), owner) != 0 }

    deinit {
        if wakeDescriptors.read >= 0 { close(wakeDescriptors.read) }
        if wakeDescriptors.write >= 0 { close(wakeDescriptors.write) }
    }

    /// Suspends the calling task until `descriptor` is ready for `events`, `deadline` passes,
    /// or the reactor is abandoned (`.stopped`).
    nonisolated(nonsending) func wait(for events: Int16, on descriptor: Int32, until deadline: ContinuousClock.Instant) async -> PlainSocket.Readiness {
        await withCheckedContinuation { continuation in
            let waiting = state.withLock { state in
                guard !state.abandoned else { return false }
                state.waiters.append(Waiter(descriptor: descriptor, events: events, deadline: deadline, continuation: continuation))
                return true
            }
            if waiting { wake() } else { continuation.resume(returning: .stopped) }
        }
    }

    /// Ends a poll under way (or the next one) at once. Called by the polling thread itself
    /// (which is not polling then, and polls next with what it just queued), it does nothing.
    public func wake() {
        guard !isOwnerThread else { return }
        // A full pipe already wakes the poll: a failed write loses nothing.
        var byte: UInt8 = 1
        _ = write(wakeDescriptors.write, &byte, 1)
    }

    /// Waits, until `deadline` at the latest, for a waited-for socket to become ready, a wait's
    /// own deadline to pass, or a ``wake()``; resumes the tasks whose wait is over.
    public func poll(until deadline: ContinuousClock.Instant) {
        var entries = [pollfd(fd: wakeDescriptors.read, events: Int16(POLLIN), revents: 0)]
        var until = deadline
        state.withLock { state in
            entries.reserveCapacity(state.waiters.count + 1)
            for waiter in state.waiters {
                entries.append(pollfd(fd: waiter.descriptor, events: waiter.events, revents: 0))
                until = min(until, waiter.deadline)
            }
        }
        let left = until - .now
        // Whole milliseconds, rounded up; a day at most (a wait that long is woken anyway).
        let milliseconds = left > .zero
            ? Int32(min(left.components.seconds, 86_400) * 1000 + left.components.attoseconds / 1_000_000_000_000_000) + 1 : 0
        let count = Glibc.poll(&entries, nfds_t(entries.count), milliseconds)
        if count > 0 && entries[0].revents != 0 {
            var bytes = [UInt8](repeating: 0, count: 64)
            while read(wakeDescriptors.read, &bytes, bytes.count) > 0 {}
        }
        let now = ContinuousClock.now
        var over: [(CheckedContinuation<PlainSocket.Readiness, Never>, PlainSocket.Readiness)] = []
        state.withLock { state in
            // The waits polled are the first ones still: only `abandon` removes others, and it
            // ended them all. Waits added meanwhile are after them.
            guard !state.abandoned else { return }
            // From the last polled back, so that a wait swapped into a removed one's place was
            // looked at already or was not polled.
            for index in stride(from: entries.count - 2, through: 0, by: -1) {
                let waiter = state.waiters[index]
                // A poll that failed (EINTR) reports nothing; the next poll sees it again.
                let readiness: PlainSocket.Readiness? =
                    count > 0 && entries[index + 1].revents != 0 ? .ready : waiter.deadline <= now ? .timedOut : nil
                guard let readiness else { continue }
                over.append((waiter.continuation, readiness))
                state.waiters.swapAt(index, state.waiters.count - 1)
                state.waiters.removeLast()
            }
        }
        for (continuation, readiness) in over { continuation.resume(returning: readiness) }
    }

    /// Nobody will poll again: the waits under way end as stopped, and so does any to come.
    public func abandon() {
        let waiting = state.withLock { state in
            state.abandoned = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiting { waiter.continuation.resume(returning: .stopped) }
    }
}
