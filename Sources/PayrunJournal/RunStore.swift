// Where runs and their journals are kept. SQLite is the embedded default; PostgreSQL shares the
// same protocol and the same tests.

/// A durable store of runs and their journals.
///
/// Every method may be called from any task at once; a store serialises its writes itself.
/// ``append(_:durable:)`` with `durable: true` returns only once the record would survive the
/// machine losing power: a record that guards a request is written that way before it is sent.
public protocol RunStore: Sendable {
    /// Where the store is, for messages (`/home/ops/.local/state/payrun/state.db`).
    var location: String { get }

    /// Adds a run.
    func insert(_ run: RunRecord) async throws(StoreError)
    /// Replaces the run of the same id.
    func update(_ run: RunRecord) async throws(StoreError)
    /// Replaces `previous` with `run` (a resumed attempt) only if the store still holds
    /// `previous` as it was read (no other process resumed it meanwhile); true if it did.
    func claim(_ run: RunRecord, from previous: RunRecord) async throws(StoreError) -> Bool
    /// The run `id`, or nil.
    func run(_ id: String) async throws(StoreError) -> RunRecord?
    /// The most recent run of `key`, or nil.
    func latestRun(key: String) async throws(StoreError) -> RunRecord?
    /// Runs, newest first, at most `limit`.
    func runs(limit: Int) async throws(StoreError) -> [RunRecord]
    /// The runs of `script` (as recorded) in `environment` that did not finish, newest first.
    func unfinishedRuns(script: String, environment: String) async throws(StoreError) -> [RunRecord]
    /// Holds `key` for this process until the hold is released or the process ends; nil when
    /// another process holds it (a run of the job is going on there).
    func holdKey(_ key: String) async throws(StoreError) -> RunKeyHold?

    /// Appends `records` to the chain, in order and all or none, and returns them with their
    /// sequences and digests set.
    /// - Parameter durable: flush them to disk before returning (with an intent).
    @discardableResult
    func append(_ records: [JournalRecord], durable: Bool) async throws(StoreError) -> [JournalRecord]
    /// The records of run `id`, oldest first.
    func records(of runID: String) async throws(StoreError) -> [JournalRecord]

    /// Checks the whole chain: each record's digest against its contents and the one before.
    func verify() async throws(StoreError) -> ChainVerdict
    /// Deletes the runs that ended before `cutoff` (seconds since 1970) and their records, as
    /// far as the chain allows (a prefix of it) and ``RunPruning`` lets it, never a run of a key
    /// in `keeping`, and returns how many runs went.
    func prune(endedBefore cutoff: Int, keeping keys: Set<String>) async throws(StoreError) -> Int

    /// Closes the store; nothing may be asked of it after.
    func close() async
}

extension RunStore {
    /// Appends one record; see ``append(_:durable:)-([JournalRecord],_)``.
    @discardableResult
    public func append(_ record: JournalRecord, durable: Bool) async throws(StoreError) -> JournalRecord {
        try await append([record], durable: durable)[0]
    }

    /// Every run read to find them: for a store of a host's own that has no query for it.
    public func unfinishedRuns(script: String, environment: String) async throws(StoreError) -> [RunRecord] {
        try await runs(limit: .max).filter { $0.script == script && $0.environment == environment && !$0.status.isFinished }
    }
}

/// What `verify` found.
public enum ChainVerdict: Sendable, Equatable {
    /// Every link holds; the number of records checked.
    case intact(records: Int)
    /// The first record whose digest or link is wrong, and what is wrong with it.
    case broken(sequence: Int, runID: String, problem: String)
}

extension RunStore {
    /// ``prune(endedBefore:keeping:)`` keeping no key of its own choosing.
    public func prune(endedBefore cutoff: Int) async throws(StoreError) -> Int {
        try await prune(endedBefore: cutoff, keeping: [])
    }
}
