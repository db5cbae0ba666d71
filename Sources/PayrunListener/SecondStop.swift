// A stop asked for again while the listener lets its handlers finish: SIGINT or SIGTERM once
// more. ServiceLifecycle takes the first of either for a graceful shutdown and ignores the
// rest (its graceful and cancelling signals may not overlap), so they are heard here as well:
// Dispatch gives a signal to every source made for it, and the process already ignores both
// (the group's own sources need that), so nothing else acts on them.
import Dispatch
import Glibc
import PayrunLocks

/// Hears SIGINT and SIGTERM from when it is made until ``cancel()``. Used by the task that made
/// it (its sources are not `Sendable`).
final class SecondStop {
    private let heard = Locked(false)
    private let sources: [any DispatchSourceSignal]

    /// - Parameter wakeup: signalled when a stop is heard, to end a wait for the handlers.
    init(wakeup: Wakeup) {
        let heard = heard
        sources = [SIGINT, SIGTERM].map { number in
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler {
                heard.withLock { $0 = true }
                wakeup.signal()
            }
            source.resume()
            return source
        }
    }

    /// Whether a stop was heard since it was made.
    var asked: Bool { heard.withLock { $0 } }

    func cancel() {
        for source in sources { source.cancel() }
    }
}
