// The inbox in memory: for tests and hosts that keep nothing between processes. It answers as
// the SQLite store does, and the same suite of tests runs against both.
import PayrunLocks

/// An ``InboxStore`` that lives as long as the process.
public final class MemoryInboxStore: InboxStore {
    private struct State {
        var events: [InboxEvent] = []
        var attempts: [Int: [EventAttempt]] = [:]
        /// Who holds each running event, and until when.
        var leases: [Int: (owner: String, until: Int)] = [:]
    }

    private let state = Locked(State())
    public let location = "memory"

    public init() {}

    public func store(_ events: [ReceivedEvent]) async throws(StoreError) -> [StoredEvent] {
        state.withLock { state in
            events.map { received in
                if let old = state.events.first(where: { $0.received.provider == received.provider && $0.received.key == received.key }) {
                    return .duplicate(id: old.id)
                }
                let id = state.events.count + 1
                state.events.append(InboxEvent(id: id, received: received, state: .received, nextAttemptAt: received.receivedAt))
                return .stored(id: id)
            }
        }
    }

    public func claim(limit: Int, now: Int, owner: String, leaseUntil: Int) async throws(StoreError) -> [InboxEvent] {
        state.withLock { state in
            let due = state.events.indices
                .filter { state.events[$0].state.isPending && (state.events[$0].nextAttemptAt ?? 0) <= now }
                .sorted { (state.events[$0].nextAttemptAt ?? 0, $0) < (state.events[$1].nextAttemptAt ?? 0, $1) }
                .prefix(limit)
            return due.map { index in
                state.events[index].state = .running
                state.events[index].attempts += 1
                let event = state.events[index]
                state.attempts[event.id, default: []].append(EventAttempt(eventID: event.id, number: event.attempts, startedAt: now))
                state.leases[event.id] = (owner, leaseUntil)
                return event
            }
        }
    }

    @discardableResult
    public func finish(_ id: Int, attempt: Int, owner: String, result: AttemptResult, runID: String?, now: Int) async throws(StoreError) -> Bool {
        state.withLock { state in
            // Only the attempt under way ends: a late or repeated outcome changes nothing.
            guard let index = state.events.firstIndex(where: { $0.id == id }), state.events[index].state == .running,
                  state.events[index].attempts == attempt, state.leases[id]?.owner == owner
            else { return false }
            state.leases[id] = nil
            var event = state.events[index]
            var ended = state.attempts[id]?.last(where: { $0.number == attempt }) ?? EventAttempt(eventID: id, number: attempt, startedAt: now)
            ended.endedAt = now
            ended.runID = runID
            let recorded = result.recorded
            event.state = recorded.state
            if recorded.outcome == .interrupted {
                // Not counted; due at once in its old place in line, or when it was postponed to.
                event.attempts = max(event.attempts - 1, 0)
                event.nextAttemptAt = recorded.nextAt ?? event.nextAttemptAt
            } else {
                event.nextAttemptAt = recorded.nextAt
            }
            event.lastError = recorded.error ?? event.lastError
            (ended.outcome, ended.error) = (recorded.outcome, recorded.error)
            event.lastOutcome = ended.outcome
            state.events[index] = event
            if let position = state.attempts[id]?.lastIndex(where: { $0.number == attempt }) {
                state.attempts[id]![position] = ended
            } else {
                state.attempts[id, default: []].append(ended)
            }
            return true
        }
    }

    public func renew(_ ids: Set<Int>, owner: String, leaseUntil: Int) async throws(StoreError) -> Set<Int> {
        state.withLock { state in
            var held: Set<Int> = []
            for (id, lease) in state.leases where lease.owner == owner && ids.contains(id) {
                state.leases[id] = (owner, leaseUntil)
                held.insert(id)
            }
            return held
        }
    }

    public func recover(leasesEndedBy deadline: Int, now: Int) async throws(StoreError) -> Int {
        let ended = state.withLock { state in
            state.events.filter { $0.state == .running && (state.leases[$0.id]?.until ?? 0) <= deadline }
                .map { ($0.id, $0.attempts, state.leases[$0.id]?.owner ?? "") }
        }
        for (id, attempt, owner) in ended {
            _ = try await finish(id, attempt: attempt, owner: owner, result: .interrupted, runID: nil, now: now)
        }
        return ended.count
    }

    public func nextDue() async throws(StoreError) -> Int? {
        state.withLock { $0.events.filter(\.state.isPending).compactMap(\.nextAttemptAt).min() }
    }

    public func events(_ filter: EventFilter) async throws(StoreError) -> [InboxEvent] {
        state.withLock { state in Array(state.events.filter { Self.matches($0, filter) }.reversed().prefix(filter.limit)) }
    }

    public func event(_ id: Int) async throws(StoreError) -> InboxEvent? {
        state.withLock { $0.events.first { $0.id == id } }
    }

    public func attempts(of id: Int) async throws(StoreError) -> [EventAttempt] {
        state.withLock { $0.attempts[id] ?? [] }
    }

    public func replay(_ filter: EventFilter, now: Int, afresh: Bool) async throws(StoreError) -> [Int] {
        state.withLock { state in
            var replayed: [Int] = []
            for index in state.events.indices where Self.matches(state.events[index], filter) && state.events[index].state != .running {
                if afresh || [.handled, .unhandled].contains(state.events[index].state) { state.events[index].replays += 1 }
                // A new round of attempts: the retry schedule starts again.
                state.events[index].attempts = 0
                state.events[index].state = .received
                state.events[index].nextAttemptAt = now
                replayed.append(state.events[index].id)
            }
            return replayed
        }
    }

    public func counts() async throws(StoreError) -> [EventState: Int] {
        state.withLock { state in Dictionary(grouping: state.events, by: \.state).mapValues(\.count) }
    }

    public func close() async {}

    static func matches(_ event: InboxEvent, _ filter: EventFilter) -> Bool {
        (filter.provider.map { $0 == event.received.provider } ?? true)
            && (filter.type.map { $0 == event.received.type } ?? true)
            && (filter.states.map { $0.contains(event.state) } ?? true)
            && (filter.since.map { event.received.receivedAt >= $0 } ?? true)
            && (filter.ids.map { $0.contains(event.id) } ?? true)
    }
}
