// The journal's one reading of where a mutation stands, which the resumed run acts on and
// `payrun runs resolve` checks an operator's word against.
import PayrunFormats
import PayrunJournal
import Testing

@Suite struct MutationStandingTests {
    func record(_ kind: JournalRecord.Kind, _ entry: String = "m1", _ body: JSONValue = .object([:])) -> JournalRecord {
        JournalRecord(runID: "r1", kind: kind, entry: entry, body: body)
    }

    func error(status: Int, retryable: Bool, message: String) -> JSONValue {
        .object(["error": .object(["status": .integer(status), "retryable": .bool(retryable), "message": .string(message)])])
    }

    @Test func aSentMutationStaysInDoubtUntilAnAnswerSettlesIt() {
        let intent = record(.intent)
        #expect(MutationStanding.reading([intent])["m1"] == .inDoubt(intent: intent))
        // A 503 may yet be applied: still in doubt, with the attempt's intent.
        let unavailable = record(.outcome, "m1", error(status: 503, retryable: true, message: "unavailable"))
        #expect(MutationStanding.reading([intent, unavailable])["m1"] == .inDoubt(intent: intent))
        let refused = record(.outcome, "m1", error(status: 422, retryable: false, message: "insufficient funds"))
        let standing = MutationStanding.reading([intent, refused])["m1"]
        #expect(standing?.refusal == "422 insufficient funds")
        let accepted = record(.outcome, "m1", .object(["result": .object(["id": .string("p_1")])]))
        #expect(MutationStanding.reading([intent, accepted])["m1"] == .answered(accepted.body))
        // A 503 with no intent before it (never written so) is in doubt all the same, not refused.
        #expect(MutationStanding.reading([unavailable])["m1"] == .inDoubt(intent: unavailable))
        #expect(MutationStanding.reading([intent, record(.outcome, "m1", .object(["not_sent": .string("no credential")]))])["m1"] == .notSent)
    }

    @Test func wordsOnAMutationSettleItAndTheNewestCounts() {
        let intent = record(.intent)
        let applied = record(.resolution, "m1", .object(["decision": .string("applied"), "id": .string("p_9")]))
        let notApplied = record(.resolution, "m1", .object(["decision": .string("not_applied")]))
        let sendAgain = record(.resolution, "m1", .object(["decision": .string("send_again")]))
        #expect(MutationStanding.reading([intent, applied])["m1"] == .applied(id: "p_9"))
        #expect(MutationStanding.reading([intent, applied, notApplied])["m1"] == .notApplied)
        #expect(MutationStanding.reading([intent, record(.outcome, "m1", error(status: 422, retryable: false, message: "no")), sendAgain])["m1"] == .notApplied)
        // A resend whose intent could not be written left only the lookup's word: in doubt still.
        let resent = record(.resolution, "m1", .object(["decision": .string("resent")]))
        #expect(MutationStanding.reading([intent, resent])["m1"] == .inDoubt(intent: intent))
        // Records of other mutations and of steps leave it alone.
        let others = [record(.intent, "m2"), record(.stepStarted, "m1"), record(.runEnded, "")]
        #expect(MutationStanding.reading([intent] + others)["m1"] == .inDoubt(intent: intent))
        #expect(MutationStanding.reading(others)["m1"] == nil)
    }
}
