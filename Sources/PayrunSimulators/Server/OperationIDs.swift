// Ids the simulators give entities, tokens and requests.
import PayrunLocks

/// Ids for entities and requests: UUID-shaped, unique in the process.
enum OperationIDs {
    private static let counter = Counter()

    static func next() -> String {
        let number = counter.increment()
        let hex = String(number, radix: 16)
        let padded = String(repeating: "0", count: max(0, 12 - hex.count)) + hex
        return "5d1e7a00-0000-4000-8000-" + padded
    }

    private final class Counter: Sendable {
        private let value = Locked(0)
        func increment() -> Int { value.withLock { $0 += 1; return $0 } }
    }
}
