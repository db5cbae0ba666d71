// Which answered errors leave a journaled mutation in doubt: those after which the provider may
// have applied it, or may apply it later. Every other answer settles it.
import PayrunFormats
import PayrunProviderKit
@testable import PayrunRuntime
import Testing

@Suite struct MutationDoubtTests {
    func error(status: Int, retryable: Bool) -> ProviderError {
        ProviderError(provider: "capitalist", status: status, code: "1", message: "System error", retryable: retryable)
    }

    @Test func serverErrorsAndRetryableErrorsInsideASuccessfulAnswerLeaveItInDoubt() {
        #expect(JournaledRequest.mayYetBeApplied(error(status: 503, retryable: true), status: 503))
        #expect(JournaledRequest.mayYetBeApplied(error(status: 429, retryable: true), status: 429))
        // Capitalist's "System error" comes in a 200: it may have been applied.
        #expect(JournaledRequest.mayYetBeApplied(error(status: 200, retryable: true), status: 200))
        // An empty or unreadable 200 says nothing of what was done.
        var unreadable = error(status: 200, retryable: false)
        unreadable.code = nil
        #expect(JournaledRequest.mayYetBeApplied(unreadable, status: 200))
    }

    @Test func refusalsSettleIt() {
        #expect(!JournaledRequest.mayYetBeApplied(error(status: 200, retryable: false), status: 200))
        #expect(!JournaledRequest.mayYetBeApplied(error(status: 400, retryable: false), status: 400))
        // A 4xx a provider calls retryable (try later) was still refused.
        #expect(!JournaledRequest.mayYetBeApplied(error(status: 409, retryable: true), status: 409))
    }

    /// `runs show` names what the provider made: Peex's ids are one level down.
    @Test func theProvidersIdsAreFoundAtTheTopOrOneLevelDown() {
        let particeep: JSONValue = .object(["id": .string("txn_1"), "issuer_id": .string("usr_1"), "amount": .integer(5)])
        #expect(JournaledRequest.ids(in: particeep) == ["id": .string("txn_1"), "issuer_id": .string("usr_1")])
        let peex: JSONValue = .object(["request": .object(["id": .integer(7), "track_id": .string("payout-7"), "status": .string("new")])])
        #expect(JournaledRequest.ids(in: peex) == ["request.id": .integer(7), "request.track_id": .string("payout-7")])
    }
}
