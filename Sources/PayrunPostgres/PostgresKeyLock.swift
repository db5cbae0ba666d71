// The keys of a process's runs, held with session advisory locks on a small pool of connections of
// their own, kept open for the process's life: the statements' pool is never starved by runs that
// hold keys, however many run at once. PostgreSQL lets go of a session's locks when its connection
// closes, so the keys of a process killed on any machine are free at once; TCP keepalives on these
// sessions let the server notice a machine that died without closing anything within ~25 s.
import PayrunJournal
import PayrunLocks
import PostgresNIO

/// The job keys one process holds.
final class PostgresKeyLocks: Sendable {
    private let client: PostgresClient
    private let location: String
    private let running: Task<Void, Never>
    /// The lock numbers held by this process: a session's advisory locks are re-entrant, so a
    /// second run of a key in this process is refused here.
    private let held = Locked<Set<Int>>([])

    init(configuration: PostgresClient.Configuration, location: String) {
        var configuration = configuration
        configuration.options.minimumConnections = 1
        configuration.options.maximumConnections = 4
        // A session closed for being idle would let go of its keys while their runs go on.
        configuration.options.connectionIdleTimeout = .seconds(365 * 86_400)
        configuration.options.keepAliveBehavior = .init(frequency: .seconds(5))
        configuration.options.additionalStartupParameters = [
            ("tcp_keepalives_idle", "10"), ("tcp_keepalives_interval", "5"), ("tcp_keepalives_count", "3"),
        ]
        let client = PostgresClient(configuration: configuration, backgroundLogger: PostgresDatabase.logger)
        self.client = client
        self.location = location
        running = Task { await client.run() }
    }

    func close() async {
        running.cancel()
        await running.value
    }

    /// Holds `key` (see ``RunStore/holdKey(_:)``): nil when another session holds it, or this
    /// process does.
    func hold(_ key: String) async throws(StoreError) -> RunKeyHold? {
        let lock = Self.lockNumber(key)
        guard held.withLock({ $0.insert(lock).inserted }) else { return nil }
        let client = client
        let result = await withTimeLimit(PostgresDatabase.statementLimit) { () async -> Result<PostgresConnection?, any Error> in
            do {
                return .success(try await client.withConnection { connection in
                    let got = try await connection.rows("SELECT pg_try_advisory_lock(\(lock)) AS got").first?.bool("got") ?? false
                    return got ? connection : nil
                })
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let connection?)?:
            return RunKeyHold(spansMachines: true, isHeld: { !connection.isClosed }) { [held] in
                // On the session that holds it: a lock taken on one connection is not another's.
                if !connection.isClosed { _ = try? await connection.rows("SELECT pg_advisory_unlock(\(lock))") }
                held.withLock { _ = $0.remove(lock) }
            }
        case .success(nil)?:
            held.withLock { _ = $0.remove(lock) }
            return nil
        case .failure(let error)?:
            held.withLock { _ = $0.remove(lock) }
            throw StoreError(postgres: error, at: location, doing: "taking the job's key")
        case nil:
            // It may still be taken once the database answers: the number stays marked as held
            // here so that no run of this process counts on it, until the process ends.
            throw StoreError(
                location: location, message: "taking the job's key failed: the database did not answer in time",
                remedy: "check that the database runs; nothing was sent")
        }
    }

    /// The advisory lock number of a key: 60 bits of its SHA-256, apart from payrun's own locks.
    static func lockNumber(_ key: String) -> Int {
        Int(ChainDigest.sha256(Array(("run key\u{0}" + key).utf8)).prefix(15), radix: 16)! + (1 << 60)
    }
}
