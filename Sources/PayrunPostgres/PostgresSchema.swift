// payrun's tables in PostgreSQL, in a schema of their own (`payrun`): numbered migrations, the
// same numbers as SQLite's, applied in one transaction under an advisory lock so that processes
// starting together migrate once. A database with a newer version than this payrun knows is
// refused and left as it is.
import PayrunJournal
import PostgresNIO

enum PostgresSchema {
    /// Migration n (from 1) takes the database from version n-1 to n.
    static let migrations: [[String]] = [
        // 1: runs and their hash-chained journal.
        [
            """
            CREATE TABLE payrun.runs(
              id TEXT PRIMARY KEY, key TEXT NOT NULL, script TEXT NOT NULL, script_sha256 TEXT NOT NULL, arguments TEXT NOT NULL,
              environment TEXT NOT NULL, "user" TEXT NOT NULL, host TEXT NOT NULL, pid BIGINT NOT NULL, started_at BIGINT NOT NULL,
              ended_at BIGINT, status TEXT NOT NULL, attempts BIGINT NOT NULL, mutations BIGINT NOT NULL)
            """,
            "CREATE INDEX runs_by_key ON payrun.runs(key, started_at)",
            // One running run per key, whichever process starts it.
            "CREATE UNIQUE INDEX one_running_run_per_key ON payrun.runs(key) WHERE status = 'running'",
            """
            CREATE TABLE payrun.records(
              seq BIGINT PRIMARY KEY, run_id TEXT NOT NULL, kind TEXT NOT NULL, at BIGINT NOT NULL, entry TEXT NOT NULL,
              body TEXT NOT NULL, previous TEXT NOT NULL, digest TEXT NOT NULL)
            """,
            "CREATE INDEX records_by_run ON payrun.records(run_id, seq)",
            "CREATE TABLE payrun.meta(name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        ],
        // 2: the webhooks inbox. An event is stored once per provider and key, for good.
        [
            """
            CREATE TABLE payrun.events(
              id BIGSERIAL PRIMARY KEY, provider TEXT NOT NULL, type TEXT NOT NULL, event_key TEXT NOT NULL,
              headers TEXT NOT NULL, body BYTEA NOT NULL, received_at BIGINT NOT NULL, state TEXT NOT NULL,
              attempts BIGINT NOT NULL DEFAULT 0, next_at BIGINT, last_error TEXT, replays BIGINT NOT NULL DEFAULT 0,
              owner TEXT, claimed_at BIGINT, ended_at BIGINT, outcome TEXT, run_id TEXT, UNIQUE(provider, event_key))
            """,
            "CREATE INDEX events_due ON payrun.events(next_at, id) WHERE state IN ('received', 'retrying')",
            "CREATE INDEX events_by_state ON payrun.events(state, id)",
            """
            CREATE TABLE payrun.event_attempts(
              id BIGSERIAL PRIMARY KEY, event_id BIGINT NOT NULL, number BIGINT NOT NULL, started_at BIGINT NOT NULL,
              ended_at BIGINT, outcome TEXT, error TEXT, run_id TEXT)
            """,
            "CREATE INDEX event_attempts_by_event ON payrun.event_attempts(event_id, id)",
        ],
        // 3: claims leased until a time, renewed by a heartbeat (listeners sharing one store).
        ["ALTER TABLE payrun.events ADD COLUMN lease_until BIGINT"],
    ]

    static var version: Int { migrations.count }

    /// The advisory lock keys payrun takes: migrating, and appending to the journal's chain.
    static let migrationLock = 7_243_001
    static let chainLock = 7_243_002

    static func migrate(_ database: PostgresDatabase) async throws {
        try await database.client.withTransaction(logger: PostgresDatabase.logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: PostgresDatabase.logger)
            // Made only when missing: CREATE SCHEMA IF NOT EXISTS needs the right to create in the
            // database even when the schema is there, which a role owning only `payrun` lacks.
            if try await connection.rows("SELECT to_regnamespace('payrun') IS NULL AS missing").first?.bool("missing") ?? true {
                try await connection.query("CREATE SCHEMA payrun", logger: PostgresDatabase.logger)
            }
            try await connection.query("CREATE TABLE IF NOT EXISTS payrun.schema_version(version BIGINT NOT NULL)", logger: PostgresDatabase.logger)
            let found = try await connection.rows("SELECT MAX(version) AS version FROM payrun.schema_version").first?.optionalInteger("version") ?? 0
            guard found <= version else {
                throw StoreError(
                    location: database.location,
                    message: "it was written by a newer payrun (schema \(found); this payrun knows up to \(version))",
                    remedy: "upgrade payrun, or use another store with --state; this one is left as it is")
            }
            guard found < version else { return }
            // On disk before it returns, as payrun's own commits are not (synchronous_commit is off
            // on its connections): a server that crashed just after would otherwise come back
            // without the tables, and a listener that had made them find none.
            try await connection.query("SET LOCAL synchronous_commit = on", logger: PostgresDatabase.logger)
            for migration in migrations.dropFirst(found) {
                for statement in migration { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: PostgresDatabase.logger) }
            }
            try await connection.query("DELETE FROM payrun.schema_version", logger: PostgresDatabase.logger)
            try await connection.query("INSERT INTO payrun.schema_version(version) VALUES (\(version))", logger: PostgresDatabase.logger)
        }
    }
}
