// What `/health` knows beyond the receiver's own writes: that the listener is stopping, and that
// the dispatcher cannot read the inbox. A load balancer sends providers elsewhere while either
// holds; a listener that receives nothing would otherwise say `ok` with its database down.
import PayrunLocks

/// The listener's state as the dispatcher sees it, read by the receiver for `/health`.
final class ListenerHealth: Sendable {
    private struct State {
        var stopping = false
        var lastReadFailed = false
        var readingSince: ContinuousClock.Instant?
    }

    private let state = Locked(State())

    /// How long a read of the inbox may take before the inbox counts as unreadable: a database
    /// that went away makes a read wait (up to 15 s) before it fails. As long as a sender waits
    /// for its event to be stored.
    static let slowRead: Duration = .seconds(3)

    /// The listener takes no new event: it lets its handlers finish, then exits.
    var isStopping: Bool {
        get { state.withLock { $0.stopping } }
        set { state.withLock { $0.stopping = newValue } }
    }

    /// The dispatcher's last read of the inbox failed, or the one under way is slow.
    var inboxIsUnreadable: Bool {
        state.withLock { state in
            state.lastReadFailed || state.readingSince.map { ContinuousClock.now - $0 > Self.slowRead } ?? false
        }
    }

    /// A read of the inbox begins.
    func reading() {
        state.withLock { $0.readingSince = .now }
    }

    /// The read under way ended, and whether it failed.
    func read(failed: Bool) {
        state.withLock { state in
            state.readingSince = nil
            state.lastReadFailed = failed
        }
    }
}
