// The Tradevest simulator's state: tokens, customers, customer products, transfers, transactions
// and webhooks, with every externalId ever used (kept after its entity is purged, as Tradevest
// keeps them).
import PayrunFormats
import PayrunLocks

final class TradevestStore: Sendable {
    /// One entity: its fields as served, and when it was created (for purging).
    struct Entity: Sendable {
        var fields: [String: JSONValue]
        let created: Double

        var status: String? { fields["status"]?.string }
    }

    /// A collection in creation order.
    struct Collection: Sendable {
        private(set) var ids: [String] = []
        private(set) var entities: [String: Entity] = [:]

        subscript(id: String) -> Entity? {
            get { entities[id] }
            set {
                if entities[id] == nil, newValue != nil { ids.append(id) }
                entities[id] = newValue
                if newValue == nil { ids.removeAll { $0 == id } }
            }
        }

        var all: [Entity] { ids.compactMap { entities[$0] } }

        /// Removes the entities `doomed` picks, in one pass.
        mutating func removeAll(where doomed: (Entity) -> Bool) {
            let removed = Set(ids.filter { entities[$0].map(doomed) ?? false })
            guard !removed.isEmpty else { return }
            ids.removeAll { removed.contains($0) }
            for id in removed { entities[id] = nil }
        }
    }

    struct Webhook: Sendable {
        let eventType: String
        let url: String
        let headers: [(String, String)]
    }

    struct State: Sendable {
        /// Access token → when it expires.
        var tokens: [String: Double] = [:]
        var customers = Collection()
        var products = Collection()
        var transfers = Collection()
        var transactions = Collection()
        /// Balances in cents, by customer product.
        var balances: [String: Int] = [:]
        var externalIDs: Set<String> = []
        var webhooks: [String: Webhook] = [:]
        /// When RECEIVED and INVALID entities were last purged.
        var lastPurge = 0.0
    }

    let state = Locked(State())

    /// Removes RECEIVED and INVALID entities older than `age` seconds; their externalIds stay
    /// used. Requests call this as they come, so it looks through the store at most twice per
    /// `age` (and at most once a second), not on every request.
    func purge(olderThan age: Double) {
        let now = UTCTime.nowPrecise()
        state.withLock { state in
            guard now - state.lastPurge >= min(1, age / 2) else { return }
            state.lastPurge = now
            let cutoff = now - age
            for keyPath in [\State.customers, \State.products, \State.transfers] as [WritableKeyPath<State, Collection>] {
                state[keyPath: keyPath].removeAll { $0.created < cutoff && ["RECEIVED", "INVALID"].contains($0.status ?? "") }
            }
        }
    }
}
