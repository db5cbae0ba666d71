// The embedded state store: one SQLite file in WAL mode, through sqlite-nio (SQLite compiled in,
// FoundationEssentials only, so `payrun run` starts as fast as before). Appends with an intent go
// through a connection that fsyncs each commit; everything else through one that does not, since
// a later intent's fsync carries it to disk and a lost outcome only makes its mutation in doubt.
import Logging
import PayrunFormats
import PayrunJournal
import PayrunLocks
import SQLiteNIO

import Glibc

/// A ``RunStore`` in one SQLite database file.
///
/// Several processes may share the file: SQLite's locks serialise their writes, and each append
/// reads the chain's end inside the write transaction that adds its records. In one process,
/// writes take turns (``WriteLock``).
public final class SQLiteRunStore: RunStore {
    public let location: String
    /// `synchronous=FULL`: commits are on disk when they return. Opened at the first durable
    /// append, so a run that sends nothing (or a `payrun runs`) never pays for it.
    private let durable = Locked<Task<SQLiteConnection, any Error>?>(nil)
    /// `synchronous=NORMAL`: commits survive the process, not the machine, until the next fsync.
    private let connection: SQLiteConnection
    private let writing = WriteLock()
    /// The chain's end as this process last wrote or read it.
    private let end = Locked<(digest: String, sequence: Int)?>(nil)

    /// The schema this payrun writes; a store with a higher one was written by a newer payrun.
    public static var schemaVersion: Int { SQLiteSchema.version }

    private init(location: String, connection: SQLiteConnection) {
        self.location = location
        self.connection = connection
    }

    /// Opens the store at `path`, creating it and its folder if need be.
    /// - Throws: ``StoreError`` saying what to fix.
    public static func open(at path: String) async throws(StoreError) -> SQLiteRunStore {
        let folder = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !folder.isEmpty { try makeFolder(folder, for: path) }
        // A new store is its owner's alone: it holds payment bodies (recipients, amounts). SQLite
        // gives its -wal and -shm files the same mode. One that exists is left as it is.
        let made = Glibc.open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if made >= 0 { _ = Glibc.close(made) }
        var opened: SQLiteConnection?
        do {
            let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: Self.logger)
            opened = connection
            let store = SQLiteRunStore(location: path, connection: connection)
            try await store.prepare()
            return store
        } catch {
            try? await opened?.close()
            if let error = error as? StoreError { throw error }
            throw StoreError(sqlite: error, at: path, doing: "opening it")
        }
    }

    private static let logger = Logger(label: "payrun.state", factory: { _ in SwiftLogNoOpLogHandler() })

    /// The connection whose commits are on disk when they return, opened the first time.
    private func durableConnection() async throws -> SQLiteConnection {
        let opening = durable.withLock { opening in
            if let opening { return opening }
            let task = Task { [location] in
                let connection = try await SQLiteConnection.open(storage: .file(path: location), logger: Self.logger)
                do {
                    _ = try await connection.query("PRAGMA busy_timeout = 10000")
                    _ = try await connection.query("PRAGMA synchronous = FULL")
                } catch {
                    try? await connection.close()
                    throw error
                }
                return connection
            }
            opening = task
            return task
        }
        do {
            return try await opening.value
        } catch {
            // Tried again by the next durable append, not failed for good.
            durable.withLock { if $0 == opening { $0 = nil } }
            throw error
        }
    }

    /// `mkdir -p`, private to the user as the state folder should be.
    private static func makeFolder(_ folder: String, for path: String) throws(StoreError) {
        var built = folder.hasPrefix("/") ? "" : "."
        for part in folder.split(separator: "/") {
            built += "/" + part
            if mkdir(built, 0o700) != 0 && errno != EEXIST {
                throw StoreError(
                    location: path, message: "its folder \(built) cannot be made (\(String(cString: strerror(errno))))",
                    remedy: "choose a writable place with --state PATH or PAYRUN_STATE")
            }
        }
    }

    /// Checks the schema's version, sets the connection up, and makes or migrates the tables.
    private func prepare() async throws {
        try await SQLiteSchema.prepare(connection, location: location, synchronous: "NORMAL")
    }

    // MARK: Runs

    public func insert(_ run: RunRecord) async throws(StoreError) {
        do {
            try await inserting(run)
        } catch where error.message.contains("UNIQUE constraint failed: runs.key") {
            throw StoreError.anotherRunning(key: run.key, location: location)
        }
    }

    private func inserting(_ run: RunRecord) async throws(StoreError) {
        try await write(doing: "recording run \(run.id)") {
            _ = try await self.connection.query(
                """
                INSERT INTO runs(id, key, script, script_sha256, arguments, environment, user, host, pid, started_at, ended_at,
                  status, attempts, mutations) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, Self.binds(of: run))
        }
    }

    public func update(_ run: RunRecord) async throws(StoreError) {
        try await write(doing: "updating run \(run.id)") {
            var binds = Self.binds(of: run)
            binds.append(binds.removeFirst())
            _ = try await self.connection.query(
                """
                \(Self.updateRun)
                """, binds)
        }
    }

    public func claim(_ run: RunRecord, from previous: RunRecord) async throws(StoreError) -> Bool {
        try await write(doing: "resuming run \(run.id)") {
            var binds = Self.binds(of: run)
            binds.append(binds.removeFirst())
            binds += [.integer(previous.attempts), .integer(previous.processID), .text(previous.status.rawValue)]
            return try await self.connection.query(
                """
                \(Self.updateRun) AND attempts = ? AND pid = ? AND status = ?
                RETURNING id
                """, binds
            ).count == 1
        }
    }

    public func run(_ id: String) async throws(StoreError) -> RunRecord? {
        try await read(doing: "reading run \(id)") {
            try await self.connection.query("SELECT * FROM runs WHERE id = ?", [.text(id)]).first.map(Self.run(from:))
        }
    }

    public func latestRun(key: String) async throws(StoreError) -> RunRecord? {
        try await read(doing: "looking up the last run of a key") {
            try await self.connection.query("SELECT * FROM runs WHERE key = ? ORDER BY started_at DESC, rowid DESC LIMIT 1", [.text(key)])
                .first.map(Self.run(from:))
        }
    }

    public func unfinishedRuns(script: String, environment: String) async throws(StoreError) -> [RunRecord] {
        try await read(doing: "looking for unfinished runs of a script") {
            try await self.connection.query(
                "SELECT * FROM runs WHERE script = ? AND environment = ? AND status != 'finished' ORDER BY started_at DESC, rowid DESC",
                [.text(script), .text(environment)]
            ).map(Self.run(from:))
        }
    }

    public func runs(limit: Int) async throws(StoreError) -> [RunRecord] {
        try await read(doing: "listing runs") {
            // A run's count is written when an attempt ends: one killed, or going on, counts its
            // intents so far in the journal instead.
            try await self.connection.query(
                """
                SELECT *, (SELECT COUNT(*) FROM records WHERE records.run_id = runs.id AND records.kind = 'mutation.intent') AS journaled
                FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?
                """, [.integer(limit)])
                .map(Self.run(from:))
        }
    }

    /// Every column of a run, by its id (the binds of ``binds(of:)`` with the id moved last).
    private static let updateRun = """
        UPDATE runs SET key = ?, script = ?, script_sha256 = ?, arguments = ?, environment = ?, user = ?, host = ?, pid = ?,
          started_at = ?, ended_at = ?, status = ?, attempts = ?, mutations = ? WHERE id = ?
        """

    private static func binds(of run: RunRecord) -> [SQLiteData] {
        [
            .text(run.id), .text(run.key), .text(run.script), .text(run.scriptDigest),
            .text(String(decoding: JSONValue.array(run.arguments.map(JSONValue.string)).encoded(), as: UTF8.self)),
            .text(run.environment), .text(run.user), .text(run.host), .integer(run.processID), .integer(run.startedAt),
            run.endedAt.map(SQLiteData.integer) ?? .null, .text(run.status.rawValue), .integer(run.attempts), .integer(run.mutations),
        ]
    }

    private static func run(from row: SQLiteRow) throws -> RunRecord {
        func text(_ name: String) -> String { row.column(name)?.string ?? "" }
        func integer(_ name: String) -> Int { row.column(name)?.integer ?? 0 }
        let arguments: [String]
        if case .array(let items) = try JSONValue.parse(Array(text("arguments").utf8)) {
            arguments = items.compactMap(\.string)
        } else {
            arguments = []
        }
        return RunRecord(
            id: text("id"), key: text("key"), script: text("script"), scriptDigest: text("script_sha256"), arguments: arguments,
            environment: text("environment"), user: text("user"), host: text("host"), processID: integer("pid"),
            startedAt: integer("started_at"), endedAt: row.column("ended_at")?.integer, status: RunStatus(rawValue: text("status")) ?? .running,
            attempts: integer("attempts"), mutations: max(integer("mutations"), integer("journaled")))
    }

    // MARK: The journal

    public func append(_ records: [JournalRecord], durable: Bool) async throws(StoreError) -> [JournalRecord] {
        guard !records.isEmpty else { return [] }
        let texts = records.map { String(decoding: $0.body.encoded(), as: UTF8.self) }
        return try await write(doing: "journaling \(records[0].kind.rawValue) of run \(records[0].runID)") {
            let connection = durable ? try await self.durableConnection() : self.connection
            // One statement, so one trip to SQLite's thread: the records are chained to the end
            // this process last saw, and inserted only if that is still the end. Another process
            // may have appended since: then nothing is inserted, the end is read again, and the
            // records are chained anew.
            for _ in 0..<100 {
                let (previous, sequence) = try await self.chainEnd(refreshing: false)
                let appended = ChainDigest.chain(records, bodies: texts, after: previous, sequence: sequence)
                var binds: [SQLiteData] = []
                for (record, body) in zip(appended, texts) {
                    binds += [
                        .integer(record.sequence), .text(record.runID), .text(record.kind.rawValue), .integer(record.at), .text(record.entry),
                        .text(body), .text(record.previousDigest), .text(record.digest),
                    ]
                }
                binds += [.text(ChainDigest.origin), .text(previous)]
                let rows = Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?)", count: records.count).joined(separator: ", ")
                let inserted = try await connection.query(
                    """
                    INSERT INTO records(seq, run_id, kind, at, entry, body, previous, digest)
                    SELECT * FROM (VALUES \(rows))
                    WHERE COALESCE((SELECT digest FROM records ORDER BY seq DESC LIMIT 1),
                                   (SELECT value FROM meta WHERE name = 'anchor'), ?) = ?
                    RETURNING seq
                    """, binds)
                if inserted.count == records.count {
                    self.end.withLock { $0 = (appended.last!.digest, appended.last!.sequence) }
                    return appended
                }
                _ = try await self.chainEnd(refreshing: true)
            }
            throw StoreError(location: self.location, message: "other writers kept the journal busy", remedy: "try again")
        }
    }

    /// The digest and sequence of the chain's last record, as this process last saw them (read
    /// from the file the first time, or when `refreshing`).
    private func chainEnd(refreshing: Bool) async throws -> (digest: String, sequence: Int) {
        if !refreshing, let known = end.withLock({ $0 }) { return known }
        let row = try await connection.query(
            """
            SELECT COALESCE((SELECT digest FROM records ORDER BY seq DESC LIMIT 1), (SELECT value FROM meta WHERE name = 'anchor'), ?) AS digest,
                   COALESCE((SELECT MAX(seq) FROM records), (SELECT CAST(value AS INTEGER) FROM meta WHERE name = 'anchor_seq'), 0) AS seq
            """, [.text(ChainDigest.origin)]
        ).first
        let known = (row?.column("digest")?.string ?? ChainDigest.origin, row?.column("seq")?.integer ?? 0)
        end.withLock { $0 = known }
        return known
    }

    public func records(of runID: String) async throws(StoreError) -> [JournalRecord] {
        try await read(doing: "reading the journal of run \(runID)") {
            try await self.connection.query("SELECT * FROM records WHERE run_id = ? ORDER BY seq", [.text(runID)]).map(Self.record(from:))
        }
    }

    private static func record(from row: SQLiteRow) throws -> JournalRecord {
        let kindText = row.column("kind")?.string ?? ""
        guard let kind = JournalRecord.Kind(rawValue: kindText) else {
            throw StoreError(location: "", message: "a record of an unknown kind '\(kindText)'", remedy: "upgrade payrun")
        }
        return JournalRecord(
            runID: row.column("run_id")?.string ?? "", kind: kind, entry: row.column("entry")?.string ?? "",
            body: try JSONValue.parse(Array((row.column("body")?.string ?? "{}").utf8)), at: row.column("at")?.integer ?? 0,
            sequence: row.column("seq")?.integer ?? 0, previousDigest: row.column("previous")?.string ?? "",
            digest: row.column("digest")?.string ?? "")
    }

    public func verify() async throws(StoreError) -> ChainVerdict {
        try await read(doing: "verifying the journal") {
            let anchor = try await self.connection.query("SELECT value FROM meta WHERE name = 'anchor'").first?.column("value")?.string
            var previous = anchor ?? ChainDigest.origin
            var count = 0
            // Digests are checked over the body's text as stored, not as parsed and written again.
            for row in try await self.connection.query("SELECT * FROM records ORDER BY seq") {
                let sequence = row.column("seq")?.integer ?? 0
                let runID = row.column("run_id")?.string ?? ""
                guard row.column("previous")?.string == previous else {
                    return .broken(sequence: sequence, runID: runID, problem: "it does not follow the record before it (a record was removed, added or reordered)")
                }
                let digest = ChainDigest.digest(
                    after: previous, runID: runID, kind: row.column("kind")?.string ?? "", at: row.column("at")?.integer ?? 0,
                    entry: row.column("entry")?.string ?? "", body: Array((row.column("body")?.string ?? "").utf8))
                guard row.column("digest")?.string == digest else {
                    return .broken(sequence: sequence, runID: runID, problem: "its contents were changed after it was written")
                }
                previous = digest
                count += 1
            }
            return .intact(records: count)
        }
    }

    public func prune(endedBefore cutoff: Int, keeping keys: Set<String>) async throws(StoreError) -> Int {
        try await write(doing: "pruning runs") {
            _ = try await self.connection.query("BEGIN IMMEDIATE")
            do {
                // Every run, in the order `latestRun` reads them, for the rule to see each key whole.
                let runs = try await self.connection.query("SELECT id, key, status, ended_at FROM runs ORDER BY started_at, rowid")
                let chain = try await self.connection.query("SELECT seq, run_id, kind, digest FROM records ORDER BY seq")
                let carryingOver = Set(chain.filter { RunPruning.carriesOver($0.column("kind")?.string ?? "") }.map { $0.column("run_id")?.string ?? "" })
                let old = RunPruning.prunable(
                    runs.enumerated().map { order, row in
                        RunPruning.Run(
                            id: row.column("id")?.string ?? "", key: row.column("key")?.string ?? "",
                            status: RunStatus(rawValue: row.column("status")?.string ?? "") ?? .running, endedAt: row.column("ended_at")?.integer,
                            order: order)
                    },
                    endedBefore: cutoff, keeping: keys, carryingOver: carryingOver)
                // The chain keeps a prefix's last digest as its anchor: only a prefix of whole runs can go.
                let prefix = ChainDigest.prunablePrefix(of: chain.map { $0.column("run_id")?.string ?? "" }, prunable: old)
                if prefix > 0, let digest = chain[prefix - 1].column("digest")?.string, let sequence = chain[prefix - 1].column("seq")?.integer {
                    for (name, value) in [("anchor", digest), ("anchor_seq", String(sequence))] {
                        _ = try await self.connection.query(
                            "INSERT INTO meta(name, value) VALUES(?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value", [.text(name), .text(value)])
                    }
                    _ = try await self.connection.query("DELETE FROM records WHERE seq <= ?", [.integer(sequence)])
                }
                // A prunable run goes once none of its records is left after the prefix.
                let gone = old.subtracting(chain[prefix...].map { $0.column("run_id")?.string ?? "" })
                for id in gone { _ = try await self.connection.query("DELETE FROM runs WHERE id = ?", [.text(id)]) }
                _ = try await self.connection.query("COMMIT")
                self.end.withLock { $0 = nil }
                return gone.count
            } catch {
                _ = try? await self.connection.query("ROLLBACK")
                throw error
            }
        }
    }

    public func close() async {
        if let opening = durable.withLock({ $0 }) { try? await (try? await opening.value)?.close() }
        try? await connection.close()
    }

    // MARK: Errors

    /// Reads take turns with writes too: they share the connection, and a read must not land
    /// inside a write's transaction.
    private func read<Result: Sendable>(doing what: String, _ body: @escaping @Sendable () async throws -> Result) async throws(StoreError) -> Result {
        try await write(doing: what, body)
    }

    private func write<Result: Sendable>(doing what: String, _ body: @escaping @Sendable () async throws -> Result) async throws(StoreError) -> Result {
        do {
            return try await writing.holding { try await SQLiteSchema.retryingBusy(body) }
        } catch {
            throw StoreError(sqlite: error, at: location, doing: what)
        }
    }
}

extension SQLiteError {
    var isBusy: Bool {
        switch reason {
        case .busy, .busyInRecovery, .busyInSnapshot, .busyTimeout, .locked: true
        default: false
        }
    }
}

extension StoreError {
    /// What SQLite said, turned into what to do.
    init(sqlite error: any Error, at location: String, doing what: String) {
        if let error = error as? StoreError {
            self = error
            return
        }
        guard let error = error as? SQLiteError else {
            self.init(location: location, message: "\(what) failed: \(error)", remedy: "check the file, or use another store with --state PATH")
            return
        }
        // What the file system says is clearer than what SQLite makes of it (a read-only disk
        // reads as "unable to open", a full one as "disk I/O error").
        if let found = Self.fileSystemProblem(at: location) {
            self.init(location: location, message: "\(what) failed: \(Self.shown(error.message))", remedy: found)
            return
        }
        let remedy: String
        switch error.reason {
        case .full, .ioErrorFailedWrite:
            remedy = "the disk is full: free space on it, or use another store with --state PATH"
        case .readOnly, .readonlyCantLock, .readonlyDirectory, .readonlyInRecovery, .readonlyInRollback, .readonlyBackingMoved, .permission, .auth:
            remedy = "it cannot be written: make the file and its folder writable, or use another store with --state PATH"
        case .cantOpen, .cantOpenDirectory, .cantOpenInvalidPath:
            remedy = "it cannot be opened: check that its folder exists and is writable, or use --state PATH"
        case .notADatabase, .corrupt:
            remedy = "it is not a payrun state store (or is damaged): move it aside, or use --state PATH"
        default:
            remedy = "check the disk and the file, or use another store with --state PATH"
        }
        self.init(location: location, message: "\(what) failed: \(Self.shown(error.message))", remedy: remedy)
    }

    /// SQLite's message as shown: sqlite-nio's "Failed to open to SQLite database at PATH" reworded.
    static func shown(_ message: String) -> String {
        let typo = "Failed to open to SQLite database"
        return message.hasPrefix(typo) ? "could not open the SQLite database" + message.dropFirst(typo.count) : message
    }

    /// A read-only or full file system under `path`, or a file the user may not write.
    static func fileSystemProblem(at path: String) -> String? {
        let folder = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        var info = statvfs()
        guard statvfs(folder.isEmpty ? "." : folder, &info) == 0 else { return nil }
        if info.f_flag & UInt(ST_RDONLY) != 0 {
            return "it cannot be written: its file system is read-only; remount it read-write, or use another store with --state PATH"
        }
        // A file system with no blocks at all holds no files (/proc, /sys): not a full disk.
        if info.f_blocks == 0 {
            return "its folder is on a file system that holds no files of ours (such as /proc or /sys): use --state PATH on a disk"
        }
        if UInt64(info.f_bavail) * UInt64(info.f_bsize) < 64 * 1024 {
            return "the disk is full: free space on it, or use another store with --state PATH"
        }
        if access(path, F_OK) == 0, access(path, W_OK) != 0 {
            return "it cannot be written: make the file and its folder writable, or use another store with --state PATH"
        }
        return nil
    }
}
