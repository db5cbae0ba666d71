// Group commit for the receivers: events that arrive while one batch is being written go in the
// next, so that a burst is stored with one fsync a batch instead of one an event. Each receiver
// waits until its own event is on disk.
import PayrunJournal
import PayrunLocks

/// Stores received events in batches, each in one durable commit.
final class EventBatcher: Sendable {
    private typealias Waiter = CheckedContinuation<StoredEvent, any Error>

    private struct State {
        var pending: [(ReceivedEvent, Waiter)] = []
        var writing = false
    }

    private let inbox: any InboxStore
    private let state = Locked(State())
    /// The most events one commit takes.
    private let batchLimit: Int

    init(inbox: any InboxStore, batchLimit: Int = 256) {
        self.inbox = inbox
        self.batchLimit = batchLimit
    }

    /// Returns once `event` is stored (or was before).
    /// - Throws: the store's error when the batch could not be written.
    func store(_ event: ReceivedEvent) async throws -> StoredEvent {
        try await withCheckedThrowingContinuation { (waiter: Waiter) in
            let starts = state.withLock { state -> Bool in
                state.pending.append((event, waiter))
                guard !state.writing else { return false }
                state.writing = true
                return true
            }
            if starts { Task { await self.drain() } }
        }
    }

    /// Writes batches until none is waiting.
    private func drain() async {
        while true {
            let batch = state.withLock { state -> [(ReceivedEvent, Waiter)] in
                let batch = Array(state.pending.prefix(batchLimit))
                state.pending.removeFirst(batch.count)
                if batch.isEmpty { state.writing = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                let stored = try await inbox.store(batch.map(\.0))
                for ((_, waiter), result) in zip(batch, stored) { waiter.resume(returning: result) }
            } catch {
                for (_, waiter) in batch { waiter.resume(throwing: error) }
            }
        }
    }
}
