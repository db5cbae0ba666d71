// What a user reads when PostgreSQL cannot be reached: what happened and what to do, not the
// driver's own type names.
import _ConnectionPoolModule
import PayrunJournal
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
}
