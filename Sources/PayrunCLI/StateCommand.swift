// `payrun state migrate`: makes or migrates the state store's tables now, instead of at the
// first command that opens it (for a deployment step, or to see a newer store refused).
import ArgumentParser
import Payrun
import PayrunPostgres

struct StateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "The state store itself: make or migrate its tables.",
        subcommands: [StateMigrateCommand.self]
    )
}

struct StateMigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Make or migrate the state store's tables to this payrun's schema (every command does it when it opens the store).",
        discussion: "A store written by a newer payrun is refused and left as it is (exit status 1).")

    @OptionGroup var stateOptions: StateOptions

    func run() async throws {
        let version = PostgresRunStore.names(stateOptions.path) ? PostgresRunStore.schemaVersion : SQLiteRunStore.schemaVersion
        try await stateOptions.withStore(creating: true) { store in
            // Opening migrated it; the inbox's tables are in the same migrations.
            StandardStreams.shared.write("state store \(store.location): its tables are at schema \(version), the one this payrun uses\n", to: .standardOutput)
        }
    }
}
