// Runs and their journal in PostgreSQL, for several processes on several machines: the chain is
// appended under an advisory lock held for the transaction, so that records from every process
// form one chain; one running run per key is kept by a unique index, as in SQLite.
import PayrunFormats
import PayrunJournal
import PayrunLocks
import PostgresNIO

/// A ``RunStore`` in a PostgreSQL database.
public final class PostgresRunStore: RunStore {
    private let database: PostgresDatabase
    /// The sessions the keys of this process's runs are held on, made at the first run.
    private let keyLocks = Locked<PostgresKeyLocks?>(nil)
    public var location: String { database.location }

    private init(database: PostgresDatabase) {
        self.database = database
    }

    /// Whether `state` (a `--state` value) names a PostgreSQL database.
    public static func names(_ state: String) -> Bool { PostgresDatabase.names(state) }

    /// The schema this payrun writes; opening a store migrates it there.
    public static var schemaVersion: Int { PostgresSchema.version }

    /// Connects to the database `url` names (`postgres://USER@HOST:PORT/DATABASE`; its user's password from PGPASSWORD, else `password`), making or
    /// migrating payrun's tables.
    /// - Throws: ``StoreError`` saying what to fix.
    /// - Parameter creating: make payrun's tables in a database that has none; false refuses it.
    public static func open(_ url: String, password: String? = nil, creating: Bool = true) async throws(StoreError) -> PostgresRunStore {
        PostgresRunStore(database: try await PostgresDatabase.open(url, password: password, creating: creating))
    }

    // MARK: Runs

    public func insert(_ run: RunRecord) async throws(StoreError) {
        do {
            _ = try await database.query(doing: "recording run \(run.id)", """
                INSERT INTO payrun.runs(id, key, script, script_sha256, arguments, environment, "user", host, pid, started_at, ended_at,
                  status, attempts, mutations)
                VALUES (\(run.id), \(run.key), \(run.script), \(run.scriptDigest), \(Self.arguments(run)), \(run.environment), \(run.user),
                  \(run.host), \(run.processID), \(run.startedAt), \(run.endedAt), \(run.status.rawValue), \(run.attempts), \(run.mutations))
                """)
        } catch where error.message.contains("one_running_run_per_key") {
            throw StoreError.anotherRunning(key: run.key, location: location)
        }
    }

    public func update(_ run: RunRecord) async throws(StoreError) {
        _ = try await database.query(doing: "updating run \(run.id)", Self.update(run, extra: ""))
    }

    public func claim(_ run: RunRecord, from previous: RunRecord) async throws(StoreError) -> Bool {
        var query = Self.update(run, extra: " AND attempts = $15 AND pid = $16 AND status = $17 RETURNING id")
        query.binds.append(previous.attempts)
        query.binds.append(previous.processID)
        query.binds.append(previous.status.rawValue)
        return try await database.query(doing: "resuming run \(run.id)", query).count == 1
    }

    private static func update(_ run: RunRecord, extra: String) -> PostgresQuery {
        var binds = PostgresBindings()
        for text in [run.key, run.script, run.scriptDigest, arguments(run), run.environment, run.user, run.host] { binds.append(text) }
        binds.append(run.processID)
        binds.append(run.startedAt)
        binds.append(run.endedAt)
        binds.append(run.status.rawValue)
        binds.append(run.attempts)
        binds.append(run.mutations)
        binds.append(run.id)
        return PostgresQuery(unsafeSQL: """
            UPDATE payrun.runs SET key = $1, script = $2, script_sha256 = $3, arguments = $4, environment = $5, "user" = $6, host = $7,
              pid = $8, started_at = $9, ended_at = $10, status = $11, attempts = $12, mutations = $13
            WHERE id = $14
            """ + extra, binds: binds)
    }

    public func run(_ id: String) async throws(StoreError) -> RunRecord? {
        try await database.query(doing: "reading run \(id)", "SELECT * FROM payrun.runs WHERE id = \(id)").first.map(Self.run(from:))
    }

    /// Which of two runs started in the same second started first: the one whose first record
    /// came first (an id is random, so it cannot say, and the run it resumes must be the latest).
    static let startOrder = "(SELECT MIN(seq) FROM payrun.records WHERE records.run_id = runs.id)"

    public func latestRun(key: String) async throws(StoreError) -> RunRecord? {
        try await database.query(doing: "looking up the last run of a key", """
            SELECT * FROM payrun.runs WHERE key = \(key) ORDER BY started_at DESC, \(unescaped: Self.startOrder) DESC NULLS LAST LIMIT 1
            """).first.map(Self.run(from:))
    }

    public func unfinishedRuns(script: String, environment: String) async throws(StoreError) -> [RunRecord] {
        try await database.query(doing: "looking for unfinished runs of a script", """
            SELECT * FROM payrun.runs WHERE script = \(script) AND environment = \(environment) AND status != 'finished'
            ORDER BY started_at DESC, id DESC
            """).map(Self.run(from:))
    }

    public func runs(limit: Int) async throws(StoreError) -> [RunRecord] {
        // A run's count is written when an attempt ends: one killed, or going on, counts its
        // intents so far in the journal instead.
        try await database.query(doing: "listing runs", """
            SELECT r.*, (SELECT COUNT(*) FROM payrun.records c WHERE c.run_id = r.id AND c.kind = 'mutation.intent') AS journaled
            FROM payrun.runs r ORDER BY r.started_at DESC, r.id DESC LIMIT \(limit)
            """)
            .map(Self.run(from:))
    }

    public func holdKey(_ key: String) async throws(StoreError) -> RunKeyHold? {
        let locks = keyLocks.withLock { locks in
            if let locks { return locks }
            let made = PostgresKeyLocks(configuration: database.configuration, location: database.location)
            locks = made
            return made
        }
        return try await locks.hold(key)
    }

    private static func arguments(_ run: RunRecord) -> String {
        String(decoding: JSONValue.array(run.arguments.map(JSONValue.string)).encoded(), as: UTF8.self)
    }

    private static func run(from row: PostgresRandomAccessRow) -> RunRecord {
        var arguments: [String] = []
        if case .array(let items)? = try? JSONValue.parse(Array(row.text("arguments").utf8)) { arguments = items.compactMap(\.string) }
        return RunRecord(
            id: row.text("id"), key: row.text("key"), script: row.text("script"), scriptDigest: row.text("script_sha256"), arguments: arguments,
            environment: row.text("environment"), user: row.text("user"), host: row.text("host"), processID: row.integer("pid"),
            startedAt: row.integer("started_at"), endedAt: row.optionalInteger("ended_at"), status: RunStatus(rawValue: row.text("status")) ?? .running,
            attempts: row.integer("attempts"),
            mutations: max(row.integer("mutations"), row.contains("journaled") ? row.integer("journaled") : 0))
    }

    // MARK: The journal

    public func append(_ records: [JournalRecord], durable: Bool) async throws(StoreError) -> [JournalRecord] {
        guard !records.isEmpty else { return [] }
        let texts = records.map { String(decoding: $0.body.encoded(), as: UTF8.self) }
        let location = location
        return try await database.transaction(doing: "journaling \(records[0].kind.rawValue) of run \(records[0].runID)") { connection in
            // Commits wait for no flush unless they guard a request (payrun's connections start with
            // synchronous_commit off); an intent's flush takes everything committed before it along.
            if durable {
                try await connection.query("SET LOCAL synchronous_commit = on", logger: PostgresDatabase.logger)
                // An intent guards a request, so its run must be on disk too. A run begun in the
                // moments before the database crashed (its commit not flushed yet) is gone after
                // the restart; an intent written for it then, on a new connection, would leave
                // the request it guards in a journal no run of its job ever reads.
                for runID in Set(records.map(\.runID)) {
                    guard try await connection.rows("SELECT 1 AS found FROM payrun.runs WHERE id = \(runID)").isEmpty else { continue }
                    throw StoreError(
                        location: location, message: "run \(runID) is not in the database any more (it restarted before the run's start was on disk)",
                        remedy: "nothing was sent; run the job again")
                }
            }
            try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.chainLock))", logger: PostgresDatabase.logger)
            let (previous, sequence) = try await Self.chainEnd(connection)
            let appended = ChainDigest.chain(records, bodies: texts, after: previous, sequence: sequence)
            var binds = PostgresBindings()
            var rows: [String] = []
            for (offset, (record, body)) in zip(appended, texts).enumerated() {
                let base = offset * 8
                rows.append("(" + (1...8).map { "$\(base + $0)" }.joined(separator: ", ") + ")")
                binds.append(record.sequence)
                binds.append(record.runID)
                binds.append(record.kind.rawValue)
                binds.append(record.at)
                binds.append(record.entry)
                binds.append(body)
                binds.append(record.previousDigest)
                binds.append(record.digest)
            }
            try await connection.query(PostgresQuery(
                unsafeSQL: "INSERT INTO payrun.records(seq, run_id, kind, at, entry, body, previous, digest) VALUES " + rows.joined(separator: ", "),
                binds: binds), logger: PostgresDatabase.logger)
            return appended
        }
    }

    /// The chain's last digest and sequence (the anchor's after a prune of everything).
    private static func chainEnd(_ connection: PostgresConnection) async throws -> (String, Int) {
        let row = try await connection.rows("""
            SELECT COALESCE((SELECT digest FROM payrun.records ORDER BY seq DESC LIMIT 1),
                            (SELECT value FROM payrun.meta WHERE name = 'anchor'), \(ChainDigest.origin)) AS digest,
                   COALESCE((SELECT MAX(seq) FROM payrun.records), (SELECT value::bigint FROM payrun.meta WHERE name = 'anchor_seq'), 0) AS seq
            """).first
        return (row?.text("digest") ?? ChainDigest.origin, row?.integer("seq") ?? 0)
    }

    public func records(of runID: String) async throws(StoreError) -> [JournalRecord] {
        try await database.query(doing: "reading the journal of run \(runID)", "SELECT * FROM payrun.records WHERE run_id = \(runID) ORDER BY seq")
            .compactMap(Self.record(from:))
    }

    private static func record(from row: PostgresRandomAccessRow) -> JournalRecord? {
        guard let kind = JournalRecord.Kind(rawValue: row.text("kind")) else { return nil }
        return JournalRecord(
            runID: row.text("run_id"), kind: kind, entry: row.text("entry"),
            body: (try? JSONValue.parse(Array(row.text("body").utf8))) ?? .object([:]), at: row.integer("at"),
            sequence: row.integer("seq"), previousDigest: row.text("previous"), digest: row.text("digest"))
    }

    public func verify() async throws(StoreError) -> ChainVerdict {
        let anchor = try await database.query(doing: "verifying the journal", "SELECT value FROM payrun.meta WHERE name = 'anchor'").first?.text("value")
        var previous = anchor ?? ChainDigest.origin
        var count = 0
        for row in try await database.query(doing: "verifying the journal", "SELECT * FROM payrun.records ORDER BY seq") {
            let sequence = row.integer("seq")
            let runID = row.text("run_id")
            guard row.text("previous") == previous else {
                return .broken(sequence: sequence, runID: runID, problem: "it does not follow the record before it (a record was removed, added or reordered)")
            }
            let digest = ChainDigest.digest(
                after: previous, runID: runID, kind: row.text("kind"), at: row.integer("at"), entry: row.text("entry"), body: Array(row.text("body").utf8))
            guard row.text("digest") == digest else {
                return .broken(sequence: sequence, runID: runID, problem: "its contents were changed after it was written")
            }
            previous = digest
            count += 1
        }
        return .intact(records: count)
    }

    public func prune(endedBefore cutoff: Int, keeping keys: Set<String>) async throws(StoreError) -> Int {
        try await database.transaction(doing: "pruning runs") { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.chainLock))", logger: PostgresDatabase.logger)
            // Every run, in the order `latestRun` reads them, for the rule to see each key whole.
            let runs = try await connection.rows("""
                SELECT id, key, status, ended_at FROM payrun.runs ORDER BY started_at, \(unescaped: PostgresRunStore.startOrder) NULLS FIRST
                """)
            let chain = try await connection.rows("SELECT seq, run_id, kind, digest FROM payrun.records ORDER BY seq")
            let carryingOver = Set(chain.filter { RunPruning.carriesOver($0.text("kind")) }.map { $0.text("run_id") })
            let old = RunPruning.prunable(
                runs.enumerated().map { order, row in
                    RunPruning.Run(
                        id: row.text("id"), key: row.text("key"), status: RunStatus(rawValue: row.text("status")) ?? .running,
                        endedAt: row.optionalInteger("ended_at"), order: order)
                },
                endedBefore: cutoff, keeping: keys, carryingOver: carryingOver)
            // The chain keeps a prefix's last digest as its anchor: only a prefix of whole runs can go.
            let prefix = ChainDigest.prunablePrefix(of: chain.map { $0.text("run_id") }, prunable: old)
            if prefix > 0 {
                let digest = chain[prefix - 1].text("digest")
                let sequence = chain[prefix - 1].integer("seq")
                for (name, value) in [("anchor", digest), ("anchor_seq", String(sequence))] {
                    try await connection.query(
                        "INSERT INTO payrun.meta(name, value) VALUES (\(name), \(value)) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                        logger: PostgresDatabase.logger)
                }
                try await connection.query("DELETE FROM payrun.records WHERE seq <= \(sequence)", logger: PostgresDatabase.logger)
            }
            // A prunable run goes once none of its records is left after the prefix.
            let gone = Array(old.subtracting(chain[prefix...].map { $0.text("run_id") }))
            try await connection.query("DELETE FROM payrun.runs WHERE id = ANY(\(gone))", logger: PostgresDatabase.logger)
            return gone.count
        }
    }

    public func close() async {
        await keyLocks.withLock { $0 }?.close()
        await database.close()
    }
}
