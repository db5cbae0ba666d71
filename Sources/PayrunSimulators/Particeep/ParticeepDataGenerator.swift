// Realistic, deterministic data for the Particeep simulator: the same seed gives the same users,
// wallets and transactions, across statuses, currencies and two years of dates.

struct ParticeepDataGenerator {
    var users = 2_000
    var transactions = 10_000
    var seed: UInt64 = 1

    /// 2023-11-14T22:13:20Z: generated objects are spread over the two years after it.
    static let firstDate = 1_700_000_000

    func generate() -> ParticeepStore.State {
        var random = SeededRandom(seed: seed)
        var state = ParticeepStore.State()
        state.users = ParticeepTable(capacity: users)
        state.transactions = ParticeepTable(capacity: transactions)
        state.wallets = ParticeepTable(capacity: users)
        let firstNames = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim"]
        let lastNames = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman", "Lee"]
        let span = 2 * 365 * 86_400
        for index in 0..<users {
            let first = firstNames[random.next(firstNames.count)]
            let last = lastNames[random.next(lastNames.count)]
            let createdAt = Self.firstDate + span / 2 * index / max(users, 1)
            let user = ParticeepUser(
                id: state.users.newID(), createdAt: createdAt,
                email: "\(first.lowercased()).\(last.lowercased()).\(index + 1)@example.com", firstName: first, lastName: last)
            state.users.insert(user)
            var wallet = ParticeepWallet(id: state.wallets.newID(), createdAt: createdAt, userID: user.id, currency: "EUR")
            wallet.balance = 100 * random.next(10_000)
            state.wallets.insert(wallet)
        }
        let statuses: [ParticeepTransaction.Status] = [.pending, .succeeded, .succeeded, .succeeded, .refunded, .cancelled]
        let currencies = ["EUR", "EUR", "EUR", "USD", "GBP"]
        for index in 0..<transactions {
            var transaction = ParticeepTransaction(
                id: state.transactions.newID(), createdAt: Self.firstDate + span * index / max(transactions, 1),
                amount: 100 * (1 + random.next(5000)), currency: currencies[random.next(currencies.count)],
                status: statuses[random.next(statuses.count)])
            if users > 0 {
                transaction.issuerID = "usr_\(1 + random.next(users))"
                transaction.recipientID = "usr_\(1 + random.next(users))"
            }
            state.transactions.insert(transaction)
        }
        return state
    }
}

/// A small, fast, deterministic generator (SplitMix64), so a seed always gives the same data.
struct SeededRandom: Sendable {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number from 0 to `bound` - 1.
    mutating func next(_ bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }

    /// A number from 0 up to (not including) 1.
    mutating func fraction() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }
}
