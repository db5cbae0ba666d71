// The Tradevest simulator's state: tokens, customers, customer products, transfers, transactions
// and webhooks, with every externalId ever used (kept after its entity is purged, as Tradevest
// keeps them).
import PayrunFormats
import Synchronization

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
    }

    let state = Mutex(State())

    /// Removes RECEIVED and INVALID entities older than `age` seconds; their externalIds stay used.
    func purge(olderThan age: Double) {
        let cutoff = UTCTime.nowPrecise() - age
        state.withLock { state in
            for keyPath in [\State.customers, \State.products, \State.transfers] as [WritableKeyPath<State, Collection>] {
                for id in state[keyPath: keyPath].ids {
                    guard let entity = state[keyPath: keyPath][id], entity.created < cutoff,
                        ["RECEIVED", "INVALID"].contains(entity.status ?? "")
                    else { continue }
                    state[keyPath: keyPath][id] = nil
                }
            }
        }
    }
}
