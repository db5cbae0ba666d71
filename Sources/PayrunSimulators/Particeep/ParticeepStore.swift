// The Particeep simulator's state: users and transactions, generated from a seed, changed by calls.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// Users and transactions, kept in insertion order, safe to use from any thread.
final class ParticeepStore: Sendable {
    struct Records: Sendable {
        var users: [String: JSONValue] = [:]
        var userOrder: [String] = []
        var transactions: [String: JSONValue] = [:]
        var transactionOrder: [String] = []
        var nextNumber = 1
        var requestCount = 0
    }

    let records: Mutex<Records>

    init(seed: UInt64, users: Int, transactions: Int) {
        records = Mutex(Self.generate(seed: seed, users: users, transactions: transactions))
    }

    /// Realistic, deterministic data: the same seed gives the same users and transactions.
    static func generate(seed: UInt64, users userCount: Int, transactions transactionCount: Int) -> Records {
        var random = SeededRandom(seed: seed)
        var records = Records()
        let firstNames = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim"]
        let lastNames = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman", "Lee"]
        for index in 1...max(userCount, 1) {
            let id = "usr_\(index)"
            let first = firstNames[random.next(firstNames.count)]
            let last = lastNames[random.next(lastNames.count)]
            records.users[id] = .object([
                "id": .string(id), "first_name": .string(first), "last_name": .string(last),
                "email": .string("\(first.lowercased()).\(last.lowercased()).\(index)@example.com"),
                "created_at": .string(ParticeepSignature.dateTime(Date(timeIntervalSince1970: 1_700_000_000 + Double(index) * 3600))),
                "custom": .object([:]),
            ])
            records.userOrder.append(id)
        }
        let statuses = ["PENDING", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "REFUNDED", "CANCELLED"]
        let currencies = ["EUR", "EUR", "EUR", "USD", "GBP"]
        for index in 1...max(transactionCount, 1) {
            let id = "txn_\(index)"
            records.transactions[id] = .object([
                "id": .string(id),
                "amount": .integer(100 * (1 + random.next(5000))),
                "currency": .string(currencies[random.next(currencies.count)]),
                "status": .string(statuses[random.next(statuses.count)]),
                "issuer_id": .string("usr_\(1 + random.next(max(userCount, 1)))"),
                "recipient_id": .string("usr_\(1 + random.next(max(userCount, 1)))"),
                "created_at": .string(ParticeepSignature.dateTime(Date(timeIntervalSince1970: 1_700_000_000 + Double(index) * 600))),
                "custom": .object([:]),
            ])
            records.transactionOrder.append(id)
        }
        records.nextNumber = max(userCount, transactionCount) + 1
        return records
    }
}

/// A small, fast, deterministic generator (SplitMix64), so a seed always gives the same data.
struct SeededRandom {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}
