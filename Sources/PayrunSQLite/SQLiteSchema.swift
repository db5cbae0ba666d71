// The state store's tables, made and migrated by payrun: numbered migrations applied in order,
// in one transaction, the version kept in SQLite's user_version. A file with a newer version
// than this payrun knows is refused and left as it is.
import PayrunJournal
import SQLiteNIO

enum SQLiteSchema {
    /// Migration n (from 1) takes a store at version n-1 to version n.
    static let migrations: [[String]] = [
        // 1: runs and their hash-chained journal.
        [
            """
            CREATE TABLE IF NOT EXISTS runs(
              id TEXT PRIMARY KEY, key TEXT NOT NULL, script TEXT NOT NULL, script_sha256 TEXT NOT NULL, arguments TEXT NOT NULL,
              environment TEXT NOT NULL, user TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL, started_at INTEGER NOT NULL,
              ended_at INTEGER, status TEXT NOT NULL, attempts INTEGER NOT NULL, mutations INTEGER NOT NULL)
            """,
            "CREATE INDEX IF NOT EXISTS runs_by_key ON runs(key, started_at)",
            // One running run per key, whichever process starts it.
            "CREATE UNIQUE INDEX IF NOT EXISTS one_running_run_per_key ON runs(key) WHERE status = 'running'",
            """
            CREATE TABLE IF NOT EXISTS records(
              seq INTEGER PRIMARY KEY, run_id TEXT NOT NULL, kind TEXT NOT NULL, at INTEGER NOT NULL, entry TEXT NOT NULL,
              body TEXT NOT NULL, previous TEXT NOT NULL, digest TEXT NOT NULL)
            """,
            "CREATE INDEX IF NOT EXISTS records_by_run ON records(run_id, seq)",
            "CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        ],
        // 2: the webhooks inbox. An event is stored once per provider and key, for good.
        [
            """
            CREATE TABLE IF NOT EXISTS events(
              id INTEGER PRIMARY KEY, provider TEXT NOT NULL, type TEXT NOT NULL, event_key TEXT NOT NULL,
              headers TEXT NOT NULL, body BLOB NOT NULL, received_at INTEGER NOT NULL, state TEXT NOT NULL,
              attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER, last_error TEXT, replays INTEGER NOT NULL DEFAULT 0,
              owner TEXT, claimed_at INTEGER, ended_at INTEGER, outcome TEXT, run_id TEXT, UNIQUE(provider, event_key))
            """,
            "CREATE INDEX IF NOT EXISTS events_due ON events(next_at, id) WHERE state IN ('received', 'retrying')",
            "CREATE INDEX IF NOT EXISTS events_by_state ON events(state, id)",
            """
            CREATE TABLE IF NOT EXISTS event_attempts(
              id INTEGER PRIMARY KEY AUTOINCREMENT, event_id INTEGER NOT NULL, number INTEGER NOT NULL, started_at INTEGER NOT NULL,
              ended_at INTEGER, outcome TEXT, error TEXT, run_id TEXT)
            """,
            "CREATE INDEX IF NOT EXISTS event_attempts_by_event ON event_attempts(event_id, id)",
            // A claim and an outcome are each one UPDATE of the event (one trip to SQLite's
            // thread); these keep the attempts' history from the columns it sets.
            """
            CREATE TRIGGER IF NOT EXISTS event_attempt_begins AFTER UPDATE OF attempts ON events
            WHEN NEW.state = 'running' AND NEW.attempts > OLD.attempts
            BEGIN
              INSERT INTO event_attempts(event_id, number, started_at) VALUES (NEW.id, NEW.attempts, NEW.claimed_at);
            END
            """,
            """
            CREATE TRIGGER IF NOT EXISTS event_attempt_ends AFTER UPDATE OF state ON events
            WHEN OLD.state = 'running' AND NEW.state != 'running'
            BEGIN
              UPDATE event_attempts SET ended_at = NEW.ended_at, outcome = NEW.outcome, run_id = NEW.run_id,
                error = CASE NEW.outcome WHEN 'failed' THEN NEW.last_error END
              WHERE event_id = NEW.id AND number = OLD.attempts AND ended_at IS NULL;
            END
            """,
        ],
        // 3: claims leased until a time, renewed by a heartbeat (listeners sharing one store).
        ["ALTER TABLE events ADD COLUMN lease_until INTEGER"],
    ]

    /// The version this payrun writes.
    static var version: Int { migrations.count }

    /// Checks the version, sets the connection up (`synchronous` level, busy wait) and applies
    /// the migrations the file lacks.
    /// - Throws: ``StoreError`` for a newer store; SQLite's error otherwise.
    static func prepare(_ connection: SQLiteConnection, location: String, synchronous: String) async throws {
        let found = try await currentVersion(connection)
        try refuseNewer(found, location: location)
        // WAL mode stays with the file (set once, when the store is made); the synchronous level
        // and the busy wait are per connection.
        _ = try await connection.query("PRAGMA busy_timeout = 10000")
        _ = try await connection.query("PRAGMA synchronous = \(synchronous)")
        if found == version { return }
        let mode = try await connection.query("PRAGMA journal_mode = WAL").first?.column("journal_mode")?.string
        guard mode == "wal" else {
            throw StoreError(location: location, message: "it cannot be put in WAL mode", remedy: "put it on a local disk with --state PATH")
        }
        try await retryingBusy {
            _ = try await connection.query("BEGIN IMMEDIATE")
            do {
                // Another process may have migrated it since it was read.
                let now = try await currentVersion(connection)
                try refuseNewer(now, location: location)
                for migration in migrations.dropFirst(now) {
                    for statement in migration { _ = try await connection.query(statement) }
                }
                _ = try await connection.query("PRAGMA user_version = \(version)")
                _ = try await connection.query("COMMIT")
            } catch {
                _ = try? await connection.query("ROLLBACK")
                throw error
            }
        }
    }

    private static func currentVersion(_ connection: SQLiteConnection) async throws -> Int {
        try await connection.query("PRAGMA user_version").first?.column("user_version")?.integer ?? 0
    }

    private static func refuseNewer(_ found: Int, location: String) throws {
        guard found > version else { return }
        throw StoreError(
            location: location, message: "it was written by a newer payrun (schema \(found); this payrun knows up to \(version))",
            remedy: "upgrade payrun, or use another store with --state PATH; this one is left as it is")
    }

    /// Runs `body` again while another writer holds the database in a way SQLite's busy timeout
    /// does not wait out (a snapshot that went stale under a statement).
    static func retryingBusy<Result: Sendable>(_ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
        var attempt = 0
        while true {
            do {
                return try await body()
            } catch let error as SQLiteError where error.isBusy && attempt < 50 {
                attempt += 1
                try await Task.sleep(for: .milliseconds(min(attempt, 10)))
            }
        }
    }
}
