// Where `payrun run` and `payrun runs` keep runs and their journals.
import ArgumentParser
import Payrun
import PayrunPostgres

import Glibc

struct StateOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The state store: a SQLite file, or postgres://USER@HOST:PORT/DATABASE (password in PGPASSWORD) (default: $PAYRUN_STATE, else $XDG_STATE_HOME/payrun/state.db).",
        valueName: "path|url"))
    var state: String?

    var path: String {
        named ?? UserDirectory.state.path(of: "state.db", environment: ProcessEnvironment.variables()) ?? "payrun-state.db"
    }

    /// The store --state or PAYRUN_STATE names; nil for the default one.
    var named: String? {
        state ?? ProcessEnvironment.variables()["PAYRUN_STATE"]
    }

    /// A URL of another database is a mistake, not a file to make: `mysql://x` made a folder
    /// `mysql:` with a SQLite file `x` in it.
    func validate() throws {
        guard let named, let scheme = named.range(of: "://").map({ named[..<$0.lowerBound] }), !PostgresRunStore.names(named),
              !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." })
        else { return }
        throw ValidationError(
            "\(state == nil ? "PAYRUN_STATE" : "--state") '\(named)': payrun keeps its state in a SQLite file or in PostgreSQL "
                + "(postgres://USER@HOST:PORT/DATABASE), not \(scheme)://")
    }

    /// The database user's password from payrun's credential store (`postgres.password`;
    /// PAYRUN_LIVE_POSTGRES_PASSWORD and the like over it), for when PGPASSWORD is not set: never
    /// on the command line. In `environment` when the command runs in one; otherwise the one
    /// environment that has it (set in several, PGPASSWORD must say which).
    static func databasePassword(in environment: PayrunEnvironment? = nil) throws -> String? {
        guard let found = storedDatabasePasswords(in: environment.map { [$0] } ?? PayrunEnvironment.allCases) else { return nil }
        guard found.count <= 1 else {
            throw StoreFailure(message: "postgres.password is set for \(found.map(\.0.rawValue).joined(separator: " and ")): this command has no --env to choose; set PGPASSWORD for it")
        }
        return found.first?.1.withBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// `postgres.password` in each of `environments` that has it, from payrun's credential store
    /// and the variables over it; nil when PGPASSWORD is set, which payrun then uses instead.
    private static func storedDatabasePasswords(in environments: [PayrunEnvironment]) -> [(PayrunEnvironment, Secret)]? {
        let variables = ProcessEnvironment.variables()
        guard variables["PGPASSWORD"] == nil,
              let file = try? FileCredentialStore(path: FileCredentialStore.defaultPath(environment: variables))
        else { return nil }
        let store = EnvironmentOverrides(over: file, variables: variables)
        let name = CredentialName(provider: "postgres", field: "password")
        return environments.compactMap { place in store.secret(for: name, in: place).map { (place, $0) } }
    }

    /// The store, opened and checked writable.
    /// - Throws: `StoreFailure` saying what to fix.
    /// - Parameter creating: make payrun's tables in a PostgreSQL database that has none (a run,
    ///   a listener, `state migrate`); the commands that only read refuse it.
    func open(environment: PayrunEnvironment? = nil, creating: Bool = true) async throws -> any RunStore {
        let password = PostgresRunStore.names(path) ? try Self.databasePassword(in: environment) : nil
        do {
            if PostgresRunStore.names(path) { return try await PostgresRunStore.open(path, password: password, creating: creating) }
            return try await SQLiteRunStore.open(at: path)
        } catch {
            throw StoreFailure(message: error.description + Self.passwordElsewhere(password, environment: environment, path: path, error: error.description))
        }
    }

    /// When no password was found for `environment` but one is stored for another: said, since
    /// the database's refusal alone reads as if none were stored.
    static func passwordElsewhere(_ password: String?, environment: PayrunEnvironment?, path: String, error: String) -> String {
        guard password == nil, let environment, PostgresRunStore.names(path), error.contains("refused the login"),
              let stored = storedDatabasePasswords(in: PayrunEnvironment.allCases.filter { $0 != environment }), !stored.isEmpty
        else { return "" }
        return " (postgres.password is stored for --env \(stored.map(\.0.rawValue).joined(separator: " and ")), and this command runs with --env \(environment.rawValue))"
    }
}

extension StateOptions {
    /// Runs `body` with the store open, and closes it after, whatever `body` does.
    /// - Parameter creating: make the store when there is none (`payrun state migrate`); the
    ///   commands that read runs and events refuse a file that is not there instead.
    func withStore<Result>(creating: Bool = false, _ body: (any RunStore) async throws -> Result) async throws -> Result {
        if !creating { try refuseAMissingFile() }
        return try await using(try await open(creating: creating), close: { await $0.close() }, body)
    }

    /// Runs `body` with the webhooks inbox open, and closes it after, whatever `body` does.
    func withInbox<Result>(_ body: (any InboxStore) async throws -> Result) async throws -> Result {
        try refuseAMissingFile()
        return try await using(try await openInbox(creating: false), close: { await $0.close() }, body)
    }

    /// A SQLite store named by --state or PAYRUN_STATE that is not there is a mistyped path far
    /// more often than a store nothing has used yet: opening it would make an empty one, and
    /// `payrun runs` would say there are no runs. The default store is made as before.
    private func refuseAMissingFile() throws {
        guard let named, !PostgresRunStore.names(named), access(named, F_OK) != 0 else { return }
        throw CommandFailure(
            "there is no state store at \(named): nothing has been run with it; check --state or PAYRUN_STATE (`payrun state migrate` makes an empty one)")
    }

    /// The inbox of the store --state names.
    func openInbox(environment: PayrunEnvironment? = nil, creating: Bool = true) async throws -> any InboxStore {
        let password = PostgresRunStore.names(path) ? try Self.databasePassword(in: environment) : nil
        do {
            if PostgresRunStore.names(path) { return try await PostgresInboxStore.open(path, password: password, creating: creating) }
            return try await SQLiteInboxStore.open(at: path)
        } catch {
            throw StoreFailure(message: error.description + Self.passwordElsewhere(password, environment: environment, path: path, error: error.description))
        }
    }

    private func using<Store, Result>(
        _ store: Store, close: (Store) async -> Void, _ body: (Store) async throws -> Result
    ) async throws -> Result {
        do {
            let result = try await body(store)
            await close(store)
            return result
        } catch {
            await close(store)
            throw error
        }
    }
}

/// A store that cannot be used: the command stops before doing anything, exit status 1.
struct StoreFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
