// A PostgreSQL database as a state store: the URL it is named by, a pool of connections kept
// running for as long as the store is open, and the schema made and migrated by payrun.
import Logging
import PayrunLocks
import PayrunJournal
import NIOCore
import NIOPosix
import PostgresNIO
import _ConnectionPoolModule

/// An open connection pool to the database a `postgres://` URL names.
final class PostgresDatabase: Sendable {
    let location: String
    let client: PostgresClient
    /// How its connections are made (the key locks make theirs the same way).
    let configuration: PostgresClient.Configuration
    private let running: Task<Void, Never>
    static let logger = Logger(label: "payrun.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    /// How long opening waits for the database to answer.
    static let connectLimit: Duration = .seconds(10)
    /// How long opening waits for the tables to be made or checked, once it answers.
    static let migrationLimit: Duration = .seconds(60)

    private init(location: String, configuration: PostgresClient.Configuration) {
        self.location = location
        self.configuration = configuration
        let client = PostgresClient(configuration: configuration, backgroundLogger: Self.logger)
        self.client = client
        running = Task { await client.run() }
    }

    /// Whether `state` (a `--state` value) names a PostgreSQL database.
    static func names(_ state: String) -> Bool {
        state.hasPrefix("postgres://") || state.hasPrefix("postgresql://")
    }

    /// Connects to the database `url` names and makes or migrates its tables.
    /// - Parameter creating: make payrun's tables when the database has none; a command that
    ///   only reads refuses such a database instead (a mistyped name would show nothing, and be
    ///   given payrun's tables).
    /// - Throws: ``StoreError`` saying what to fix.
    static func open(_ url: String, password: String?, creating: Bool = true) async throws(StoreError) -> PostgresDatabase {
        let configuration = try PostgresLocation(url, password: password)
        let firstConnection = try await checkTheLogin(configuration)
        let database = PostgresDatabase(location: configuration.shown, configuration: configuration.client)
        do {
            // A pool retries a refused connection for a long while: a database that does not answer
            // within 10 s is reported instead of waited for.
            let answered = try await within(connectLimit) {
                try await database.client.query("SELECT 1", logger: Self.logger)
                return true
            }
            guard answered != nil else {
                // Why, when the first connection said: a refusal is a database not running (yet),
                // or another port, not a slow one.
                let why = firstConnection.map { " (the first connection: \($0))" } ?? ""
                throw StoreError(
                    location: configuration.shown, message: "the database did not answer within \(connectLimit.components.seconds) s\(why)",
                    remedy: "check that it runs and that --state names it (host, port, database, user; password in PGPASSWORD)")
            }
            if !creating, try await database.client.query("SELECT to_regnamespace('payrun') IS NULL AS missing", logger: Self.logger)
                .collect().first?.decode(Bool.self, context: .default) ?? true {
                throw StoreError(
                    location: configuration.shown, message: "there are no payrun tables in this database: nothing has been run with it",
                    remedy: "check --state or PAYRUN_STATE (`payrun state migrate` makes them)")
            }
            // It answers: making the tables may take longer on a loaded server (each is written
            // to disk), or wait for another process making them; only a wait past a minute is a fault.
            let migrated = try await within(migrationLimit) {
                try await PostgresSchema.migrate(database)
                return true
            }
            guard migrated != nil else {
                throw StoreError(
                    location: configuration.shown, message: "its tables were not made or checked within \(migrationLimit.components.seconds) s",
                    remedy: "look for a session holding a lock on the payrun schema (pg_stat_activity), or a server short of disk")
            }
        } catch {
            await database.close()
            throw StoreError(postgres: error, at: configuration.shown, doing: "opening it")
        }
        return database
    }

    /// What a first connection of payrun's own found.
    private enum LoginCheck: Sendable {
        case connected
        /// The server refused the login: a wrong or missing password, an unknown user or database.
        case refused(PSQLError)
        /// Anything else (nothing listening yet, a database starting): left to the pool; why,
        /// when a system call said (`Connection refused`).
        case failed(String?)
    }

    /// Makes one connection of its own and throws at once if the server refuses the login, which
    /// the pool would keep trying until the 10 s limit and then report as a database that did
    /// not answer. Without TLS only (nil `connection`). Anything else, a check that did not end
    /// within the limit too, is left to the pool and its own limit: on a loaded machine a first
    /// connection can be slow where the pool's next one is not.
    /// - Returns: why the first connection failed, when it did and a system call said.
    private static func checkTheLogin(_ location: PostgresLocation) async throws(StoreError) -> String? {
        guard let configuration = location.connection else { return nil }
        let check = try? await within(connectLimit) { () -> LoginCheck in
            do {
                let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: Self.logger)
                try? await connection.close()
                return .connected
            } catch let error as PSQLError
                where ["28P01", "28000", "3D000"].contains(error.serverInfo?[.sqlState] ?? "") || error.code == .authMechanismRequiresPassword {
                return .refused(error)
            } catch {
                return .failed(connectionFailure(error))
            }
        }
        switch check {
        case .refused(let refusal)?:
            let message = refusal.serverInfo?[.message] ?? "it asks for a password, and none was given"
            let remedy = switch refusal.serverInfo?[.sqlState] {
            case "3D000": "create it (createdb), or name another in --state"
            case "28000": "check the user in --state, and that the server lets it in from here (pg_hba.conf; ?sslmode=require if it wants TLS)"
            default: "give the password in PGPASSWORD, or store it with `payrun credentials set postgres.password --env ENV`; check the user in --state"
            }
            throw StoreError(location: location.shown, message: "the database refused the login: \(message)", remedy: remedy)
        case .failed(let why)?:
            return why
        case .connected?, nil:
            return nil
        }
    }

    /// Why a connection could not be made, as the system said it (`Connection refused`), from
    /// inside the errors PostgresNIO and NIO wrap it in; nil when no system call said. Of a
    /// host's addresses, a refusal is said before another's failure (an IPv6 address this
    /// machine cannot reach, tried first).
    static func connectionFailure(_ error: any Error) -> String? {
        let codes = systemErrors(error)
        return (codes.first { $0 == ECONNREFUSED } ?? codes.first).map { String(cString: strerror($0)) }
    }

    private static func systemErrors(_ error: any Error) -> [Int32] {
        switch error {
        case let error as PSQLError:
            error.underlying.map(systemErrors) ?? []
        case let error as NIOConnectionError:
            (error.connectionErrors.map(\.error) + [error.dnsAError, error.dnsAAAAError].compactMap { $0 }).flatMap(systemErrors)
        case let error as IOError:
            [error.errnoCode]
        default:
            []
        }
    }

    /// What `body` returns, or nil once `limit` has passed (`body` is then cancelled).
    private static func within<Value: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> Value) async throws -> Value? {
        try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    func close() async {
        running.cancel()
        await running.value
        if let (_, durableRunning) = durable.withLock({ $0 }) {
            durableRunning.cancel()
            await durableRunning.value
        }
    }

    /// A second pool whose commits are flushed to disk before they return (payrun's connections
    /// start with synchronous_commit off): one statement, one round trip, for what must be on
    /// disk before anyone is answered. Made at first use.
    private let durable = Locked<(client: PostgresClient, running: Task<Void, Never>)?>(nil)

    private var durableClient: PostgresClient {
        durable.withLock { durable in
            if let durable { return durable.client }
            var configuration = configuration
            configuration.options.additionalStartupParameters.removeAll { $0.0 == "synchronous_commit" }
            let client = PostgresClient(configuration: configuration, backgroundLogger: Self.logger)
            durable = (client, Task { await client.run() })
            return client
        }
    }

    /// How long a statement may wait for the database. While it is away the pool keeps trying to
    /// connect and a statement would wait for it indefinitely: a listener answers 503 instead, and
    /// a run stops before sending what it could not journal. Longer than the server's own
    /// `statement_timeout` (10 s, set at connect): a statement the server runs is ended by the
    /// server first, so that one given up on here does not commit later.
    static let statementLimit: Duration = .seconds(15)

    /// Runs `body` on one connection inside a transaction, turning errors into ``StoreError``.
    func transaction<Result: Sendable>(
        doing what: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws(StoreError) -> Result {
        let client = client
        return try await limited(doing: what) {
            try await client.withTransaction(logger: Self.logger) { connection in try await body(connection) }
        }
    }

    /// Runs one statement and returns its rows.
    /// - Parameter durable: its commit is on disk when it returns.
    func query(doing what: String, durable: Bool = false, _ query: PostgresQuery) async throws(StoreError) -> [PostgresRandomAccessRow] {
        let client = durable ? durableClient : client
        return try await limited(doing: what) {
            var rows: [PostgresRandomAccessRow] = []
            for try await row in try await client.query(query, logger: Self.logger) { rows.append(row.makeRandomAccess()) }
            return rows
        }
    }

    /// Runs `body` within ``statementLimit``, its errors turned into ``StoreError``.
    private func limited<Result: Sendable>(doing what: String, _ body: @escaping @Sendable () async throws -> Result) async throws(StoreError) -> Result {
        let outcome = await withTimeLimit(Self.statementLimit) { () async -> Swift.Result<Result, any Error> in
            do { return .success(try await body()) } catch { return .failure(error) }
        }
        switch outcome {
        case .success(let result)?: return result
        case .failure(let error)?: throw StoreError(postgres: error, at: location, doing: what)
        case nil:
            throw StoreError(
                location: location, message: "\(what) failed: the database did not answer within \(Self.statementLimit.components.seconds) s",
                remedy: "the database cannot be reached: check that it runs (payrun goes on once it is back)")
        }
    }

}

/// `body`'s result, or nil when it takes longer than `limit`: then it is cancelled and not waited
/// for (a pool waiting for a connection may not notice at once).
func withTimeLimit<Result: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async -> Result) async -> Result? {
    let (first, finish) = AsyncStream.makeStream(of: Result?.self)
    let work = Task {
        finish.yield(await body())
        finish.finish()
    }
    let timer = Task {
        try? await Task.sleep(for: limit)
        finish.yield(nil)
        finish.finish()
    }
    defer { timer.cancel() }
    return await withTaskCancellationHandler {
        for await result in first {
            if result == nil { work.cancel() }
            return result
        }
        work.cancel()
        return nil
    } onCancel: {
        work.cancel()
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
    func bool(_ column: String) -> Bool { (try? self[column].decode(Bool?.self)).flatMap { $0 } ?? false }
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
        // The pool's own error, which PostgresNIO passes on as it is: after connections kept
        // failing, it refuses at once for a while.
        if let error = error as? ConnectionPoolError, error == .connectionCreationCircuitBreakerTripped {
            self.init(
                location: location, message: "\(what) failed: connections to the database kept failing, and no new one is tried for a while",
                remedy: "the database cannot be reached: check that it runs and that --state names it (payrun goes on once it is back)")
            return
        }
        self.init(location: location, message: "\(what) failed: \(error)", remedy: "check the database, or use another store with --state")
    }
}
