// A PostgreSQL database as a state store: the URL it is named by, a pool of connections kept
// running for as long as the store is open, and the schema made and migrated by payrun.
import Logging
import PayrunJournal
import PostgresNIO

/// An open connection pool to the database a `postgres://` URL names.
final class PostgresDatabase: Sendable {
    let location: String
    let client: PostgresClient
    private let running: Task<Void, Never>
    static let logger = Logger(label: "payrun.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    /// How long opening waits for the database to answer.
    static let connectLimit: Duration = .seconds(10)

    private init(location: String, client: PostgresClient) {
        self.location = location
        self.client = client
        running = Task { await client.run() }
    }

    /// Whether `state` (a `--state` value) names a PostgreSQL database.
    static func names(_ state: String) -> Bool {
        state.hasPrefix("postgres://") || state.hasPrefix("postgresql://")
    }

    /// Connects to the database `url` names and makes or migrates its tables.
    /// - Throws: ``StoreError`` saying what to fix.
    static func open(_ url: String) async throws(StoreError) -> PostgresDatabase {
        let configuration = try PostgresLocation(url)
        let database = PostgresDatabase(location: configuration.shown, client: PostgresClient(configuration: configuration.client, backgroundLogger: logger))
        do {
            // A pool retries a refused connection for a long while: a database that does not answer
            // within 10 s is reported instead of waited for.
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await PostgresSchema.migrate(database)
                    return true
                }
                group.addTask {
                    try await Task.sleep(for: connectLimit)
                    return false
                }
                let migrated = try await group.next() ?? false
                group.cancelAll()
                guard migrated else {
                    throw StoreError(
                        location: configuration.shown, message: "the database did not answer within \(connectLimit.components.seconds) s",
                        remedy: "check that it runs and that --state names it (host, port, database, user; password in PGPASSWORD)")
                }
            }
        } catch {
            await database.close()
            throw StoreError(postgres: error, at: configuration.shown, doing: "opening it")
        }
        return database
    }

    func close() async {
        running.cancel()
        await running.value
    }

    /// Runs `body` on one connection inside a transaction, turning errors into ``StoreError``.
    func transaction<Result: Sendable>(
        doing what: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws(StoreError) -> Result {
        do {
            return try await client.withTransaction(logger: Self.logger) { connection in try await body(connection) }
        } catch {
            throw StoreError(postgres: error, at: location, doing: what)
        }
    }

    /// Runs one statement and returns its rows.
    func query(doing what: String, _ query: PostgresQuery) async throws(StoreError) -> [PostgresRandomAccessRow] {
        do {
            var rows: [PostgresRandomAccessRow] = []
            for try await row in try await client.query(query, logger: Self.logger) { rows.append(row.makeRandomAccess()) }
            return rows
        } catch {
            throw StoreError(postgres: error, at: location, doing: what)
        }
    }
}

extension PostgresConnection {
    /// Runs one statement on this connection and returns its rows.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        var rows: [PostgresRandomAccessRow] = []
        for try await row in try await self.query(query, logger: PostgresDatabase.logger) { rows.append(row.makeRandomAccess()) }
        return rows
    }
}

extension PostgresRandomAccessRow {
    func text(_ column: String) -> String { (try? self[column].decode(String?.self)) .flatMap { $0 } ?? "" }
    func optionalText(_ column: String) -> String? { (try? self[column].decode(String?.self)) ?? nil }
    func integer(_ column: String) -> Int { (try? self[column].decode(Int?.self)).flatMap { $0 } ?? 0 }
    func optionalInteger(_ column: String) -> Int? { (try? self[column].decode(Int?.self)) ?? nil }
}

extension PSQLError {
    /// PostgreSQL's SQLSTATE, such as 23505 for a unique violation.
    var sqlState: String? { serverInfo?[.sqlState] }
}

extension StoreError {
    /// What PostgreSQL or the connection said, turned into what to do.
    init(postgres error: any Error, at location: String, doing what: String) {
        if let error = error as? StoreError {
            self = error
            return
        }
        if let error = error as? PostgresTransactionError,
           let cause = error.beginError ?? error.closureError ?? error.commitError ?? error.rollbackError {
            self.init(postgres: cause, at: location, doing: what)
            return
        }
        if let error = error as? PSQLError {
            let message = error.serverInfo?[.message] ?? "\(error.code)"
            let remedy: String
            switch error.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection:
                remedy = "the database cannot be reached: check that it runs and that --state names it (payrun goes on once it is back)"
            default:
                remedy = "check the database, or use another store with --state"
            }
            self.init(location: location, message: "\(what) failed: \(message)", remedy: remedy)
            return
        }
        self.init(location: location, message: "\(what) failed: \(error)", remedy: "check the database, or use another store with --state")
    }
}
