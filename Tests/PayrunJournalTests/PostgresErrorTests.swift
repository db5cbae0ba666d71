// PostgreSQL going away: what a user reads (what happened and what to do, not the driver's own
// type names), and what is still there when it comes back.
import _ConnectionPoolModule
import PayrunJournal
import PayrunTestSupport
@testable import PayrunPostgres
import Testing

@Suite struct PostgresErrorTests {
    /// After connections kept failing, PostgresNIO's pool refuses at once for a while, with an
    /// error it passes on unwrapped: its text named the pool's internals
    /// (`ConnectionPoolError(base: _ConnectionPoolModule…connectionCreationCircuitBreakerTripped)`).
    @Test func aPoolThatStoppedTryingIsReportedAsADatabaseThatCannotBeReached() {
        let error = StoreError(postgres: ConnectionPoolError.connectionCreationCircuitBreakerTripped, at: "postgres://ops@db/payrun", doing: "taking the job's key")
        #expect(error.description.contains(
            "taking the job's key failed: connections to the database kept failing, and no new one is tried for a while"), "\(error.description)")
        #expect(error.description.contains("check that it runs and that --state names it"), "\(error.description)")
        #expect(!error.description.contains("ConnectionPool"), "\(error.description)")
    }

    /// The tables a first start made were committed without waiting for the disk, as payrun's
    /// commits are: a server that crashed a moment later came back without them, and a listener
    /// that had made them read `relation "payrun.events" does not exist` until restarted.
    @Test func theSchemaMadeAtFirstStartOutlivesACrashRightAfter() async throws {
        let server = try await offThePool { try PostgresServer() }
        defer { try? server.stop(mode: "immediate") }
        let url = try await server.freshDatabase(prefix: "payrun_crash_")
        let store = try await PostgresRunStore.open(url)
        await store.close()
        try await offThePool { try server.restart(mode: "immediate") }
        let name = String(url.split(separator: "/").last!)
        #expect(try server.value("SELECT to_regclass('payrun.events') IS NOT NULL AND to_regclass('payrun.runs') IS NOT NULL", in: name) == "t")
    }
}
