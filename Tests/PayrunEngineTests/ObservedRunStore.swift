// A memory store a test looks into: each call goes to a `MemoryRunStore`, and the test's hooks
// see (or change) the three a test needs, key holds, appends and journal reads.
import Payrun

final class ObservedRunStore: RunStore {
    let store = MemoryRunStore()
    let location: String
    /// The hold to give instead of the memory store's own.
    private let hold: (@Sendable (String) -> RunKeyHold?)?
    /// Told of each append once it is written, and whether it was durable.
    private let appended: (@Sendable (_ durable: Bool) -> Void)?
    /// Told of each read of a run's journal.
    private let reading: (@Sendable (_ runID: String) -> Void)?
    /// Asked before each append: an error to fail it with (a disk that filled), or nil.
    private let failing: (@Sendable () -> StoreError?)?

    init(
        location: String, hold: (@Sendable (String) -> RunKeyHold?)? = nil, appended: (@Sendable (Bool) -> Void)? = nil,
        reading: (@Sendable (String) -> Void)? = nil, failing: (@Sendable () -> StoreError?)? = nil
    ) {
        self.location = location
        self.hold = hold
        self.appended = appended
        self.reading = reading
        self.failing = failing
    }

    func insert(_ run: RunRecord) async throws(StoreError) { try await store.insert(run) }
    func update(_ run: RunRecord) async throws(StoreError) { try await store.update(run) }
    func claim(_ run: RunRecord, from previous: RunRecord) async throws(StoreError) -> Bool { try await store.claim(run, from: previous) }
    func run(_ id: String) async throws(StoreError) -> RunRecord? { try await store.run(id) }
    func latestRun(key: String) async throws(StoreError) -> RunRecord? { try await store.latestRun(key: key) }
    func runs(limit: Int) async throws(StoreError) -> [RunRecord] { try await store.runs(limit: limit) }
    func verify() async throws(StoreError) -> ChainVerdict { try await store.verify() }
    func prune(endedBefore cutoff: Int, keeping keys: Set<String>) async throws(StoreError) -> Int { try await store.prune(endedBefore: cutoff, keeping: keys) }
    func close() async { await store.close() }

    func holdKey(_ key: String) async throws(StoreError) -> RunKeyHold? {
        if let hold { return hold(key) }
        return try await store.holdKey(key)
    }

    func append(_ records: [JournalRecord], durable: Bool) async throws(StoreError) -> [JournalRecord] {
        if let error = failing?() { throw error }
        let written = try await store.append(records, durable: durable)
        appended?(durable)
        return written
    }

    func records(of runID: String) async throws(StoreError) -> [JournalRecord] {
        reading?(runID)
        return try await store.records(of: runID)
    }
}
