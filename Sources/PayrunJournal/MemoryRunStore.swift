// A state store in memory: for tests and for hosts that want runs journaled only while they live.
import PayrunLocks

/// A ``RunStore`` that keeps everything in memory, gone with the process.
public final class MemoryRunStore: RunStore {
    private struct Contents {
        var runs: [String: RunRecord] = [:]
        var order: [String] = []
        var records: [JournalRecord] = []
        var anchor = ChainDigest.origin
        var lastSequence = 0
        var closed = false
    }

    private let contents = Locked(Contents())

    public init() {}

    public var location: String { "(memory)" }

    /// Held for this store alone: every memory store has the same location, and none shares its runs.
    public func holdKey(_ key: String) async throws(StoreError) -> RunKeyHold? {
        .inThisProcess(key, at: "(memory) \(ObjectIdentifier(self))")
    }

    public func insert(_ run: RunRecord) async throws(StoreError) {
        let refused: Bool = try change { contents in
            // One run of a key at a time, as SQLite's index keeps it.
            if run.status == .running, contents.runs.values.contains(where: { $0.key == run.key && $0.status == .running }) { return true }
            contents.runs[run.id] = run
            contents.order.append(run.id)
            return false
        }
        if refused { throw StoreError.anotherRunning(key: run.key, location: location) }
    }

    public func update(_ run: RunRecord) async throws(StoreError) {
        try change { $0.runs[run.id] = run }
    }

    public func claim(_ run: RunRecord, from previous: RunRecord) async throws(StoreError) -> Bool {
        try change { contents in
            guard contents.runs[run.id] == previous else { return false }
            contents.runs[run.id] = run
            return true
        }
    }

    public func run(_ id: String) async throws(StoreError) -> RunRecord? {
        try change { $0.runs[id] }
    }

    public func latestRun(key: String) async throws(StoreError) -> RunRecord? {
        try change { contents in
            let runs = contents.runs
            return contents.order.reversed().compactMap { runs[$0] }.first { $0.key == key }
        }
    }

    public func runs(limit: Int) async throws(StoreError) -> [RunRecord] {
        try change { contents in
            let runs = contents.runs
            let listed = Array(contents.order.reversed().compactMap { runs[$0] }.prefix(limit))
            // A run's count is written when an attempt ends: one killed, or going on, counts its
            // intents so far in the journal instead.
            var journaled: [String: Int] = [:]
            for record in contents.records where record.kind == .intent { journaled[record.runID, default: 0] += 1 }
            return listed.map { run in
                var run = run
                run.mutations = max(run.mutations, journaled[run.id] ?? 0)
                return run
            }
        }
    }

    public func append(_ records: [JournalRecord], durable: Bool) async throws(StoreError) -> [JournalRecord] {
        try change { contents in
            records.map { record in
                var record = record
                contents.lastSequence += 1
                record.sequence = contents.lastSequence
                record.previousDigest = contents.records.last?.digest ?? contents.anchor
                record.digest = ChainDigest.digest(of: record, after: record.previousDigest)
                contents.records.append(record)
                return record
            }
        }
    }

    public func records(of runID: String) async throws(StoreError) -> [JournalRecord] {
        try change { $0.records.filter { $0.runID == runID } }
    }

    public func verify() async throws(StoreError) -> ChainVerdict {
        try change { ChainDigest.verify($0.records, from: $0.anchor) }
    }

    public func prune(endedBefore cutoff: Int, keeping keys: Set<String>) async throws(StoreError) -> Int {
        try change { contents in
            let runs = contents.runs
            let old = RunPruning.prunable(
                contents.order.enumerated().compactMap { order, id in
                    runs[id].map { RunPruning.Run(id: $0.id, key: $0.key, status: $0.status, endedAt: $0.endedAt, order: order) }
                },
                endedBefore: cutoff, keeping: keys,
                carryingOver: Set(contents.records.filter { RunPruning.carriesOver($0.kind.rawValue) }.map(\.runID)))
            let removed = ChainDigest.prunablePrefix(of: contents.records.map(\.runID), prunable: old)
            if removed > 0 { contents.anchor = contents.records[removed - 1].digest }
            contents.records.removeFirst(removed)
            let kept = Set(contents.records.map(\.runID))
            let gone = old.subtracting(kept)
            for id in gone { contents.runs[id] = nil }
            contents.order.removeAll { gone.contains($0) }
            return gone.count
        }
    }

    public func close() async {
        contents.withLock { $0.closed = true }
    }

    private func change<Result>(_ body: (inout Contents) -> Result) throws(StoreError) -> Result {
        let result: Result? = contents.withLock { contents in contents.closed ? nil : body(&contents) }
        guard let result else { throw StoreError(location: location, message: "the store is closed", remedy: "open it again") }
        return result
    }
}
