// Where a mutation of a run stands, read from its journal. The resumed run acts on this reading
// (replay an answer, settle a doubt, send), and `payrun runs resolve` checks an operator's word
// against it: one reading, so that what an operator is allowed to say and what the run then does
// cannot drift apart.
import PayrunFormats

/// Where one mutation stands after the journal records about it.
public enum MutationStanding: Sendable, Equatable {
    /// Sent, and nothing settles it: no answer yet, or a 5xx or 429, which the provider may still
    /// apply. `intent` is the record of the attempt in doubt.
    case inDoubt(intent: JournalRecord)
    /// Answered: the outcome's body, a result or the provider's refusal (under `error`).
    case answered(JSONValue)
    /// Refused before it left (a credential, a URL, a host it may not go to).
    case notSent
    /// Known not to have been applied (an operator's word, a lookup's, or a refusal to send
    /// again): the next attempt sends it.
    case notApplied
    /// Applied, by an operator's word or a lookup, and the provider calls what it made `id`.
    case applied(id: String)

    /// What the provider said when it refused the mutation (`422 insufficient funds`); nil for
    /// anything but a refusal.
    public var refusal: String? {
        guard case .answered(let body) = self, let error = body["error"] else { return nil }
        let status = error["status"]?.integer.map { "\($0) " } ?? ""
        return status + (error["message"]?.string ?? "")
    }

    /// The standing after `record`, given the one before it (nil before the mutation's first
    /// record); nil for a record that says nothing about where a mutation stands.
    public static func after(_ record: JournalRecord, from previous: MutationStanding?) -> MutationStanding? {
        switch record.kind {
        case .intent:
            return .inDoubt(intent: record)
        case .outcome where record.body["not_sent"] != nil:
            return .notSent
        case .outcome where record.body["error"]?["retryable"] == .bool(true):
            // A 5xx or 429 leaves the attempt in doubt. (Every attempt journals its intent first;
            // should one be missing, the answer stands in for it: in doubt, never a refusal to
            // send again.)
            if case .inDoubt? = previous { return previous }
            return .inDoubt(intent: record)
        case .outcome:
            return .answered(record.body)
        case .resolution:
            switch record.body["decision"]?.string {
            case "applied": return .applied(id: record.body["id"]?.string ?? "")
            // A refusal an operator asks to send again, its cause fixed, is sent as if never sent.
            case "not_applied", "send_again": return .notApplied
            default: return previous
            }
        case .stepStarted, .stepFinished, .runStarted, .runEnded:
            return previous
        }
    }

    /// Each mutation's standing after `records` (a run's journal, in order), by mutation key.
    public static func reading(_ records: [JournalRecord]) -> [String: MutationStanding] {
        var standings: [String: MutationStanding] = [:]
        for record in records where [.intent, .outcome, .resolution].contains(record.kind) {
            standings[record.entry] = after(record, from: standings[record.entry])
        }
        return standings
    }
}
