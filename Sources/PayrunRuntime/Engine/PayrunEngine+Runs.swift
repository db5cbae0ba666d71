// The engine's runs as its store keeps them: what a host lists for an operator, and the resume
// of one that did not finish.
import PayrunJournal

extension PayrunEngine {
    /// The runs in the engine's store, newest first.
    /// - Throws: ``RunRefused`` without a store; `StoreError` when it cannot be read.
    public func runs(limit: Int = 50) async throws -> [RunRecord] {
        try await store().runs(limit: limit)
    }

    /// What run `id` did, record by record.
    public func journal(of id: String) async throws -> [JournalRecord] {
        try await store().records(of: id)
    }

    /// Runs the script of run `id` again with its arguments and key, so that it resumes: what
    /// the earlier attempts settled is answered from the journal, and the rest is sent.
    /// - Parameter options: the arguments and the key are the run's; the rest is taken from here.
    /// - Throws: ``RunRefused`` when there is no such run or it already finished.
    public func resume(_ id: String, options: RunOptions = RunOptions()) async throws -> ScriptResult {
        guard let run = try await store().run(id) else { throw RunRefused(message: "there is no run \(id)", remedy: nil) }
        guard !run.status.isFinished else {
            throw RunRefused(message: "run \(id) finished; there is nothing to resume", remedy: "start a new run of its script instead")
        }
        var options = options
        options.arguments = run.arguments
        options.runKey = run.key
        options.startsAfresh = false
        return try await self.run(.file(run.script), options: options)
    }

    private func store() throws -> any RunStore {
        guard let store = configuration.store else {
            throw RunRefused(message: "this engine keeps no runs", remedy: "give its configuration a store (SQLiteRunStore, MemoryRunStore)")
        }
        return store
    }
}
