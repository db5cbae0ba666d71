// What an earlier attempt of a run did, read back from its journal when the run resumes: each
// mutation's last known state and each step's result.
import PayrunFormats
import PayrunJournal

/// The journal of the attempts before this one, by mutation key and step name.
struct PastRun: Sendable {
    /// Where a mutation was left.
    enum MutationState: Sendable {
        /// Answered: the result or the provider's error, as journaled.
        case answered(JSONValue)
        /// Known not to have been applied (not sent, or settled as not applied): send it.
        case notApplied
        /// An operator said it was applied, with what the provider made.
        case applied(id: String)
        /// Sent and never answered.
        case inDoubt(intent: JournalRecord)
    }

    var mutations: [String: MutationState] = [:]
    /// Steps that finished, with their stored results.
    var finishedSteps: [String: JSONValue] = [:]
    /// Steps that began and never finished.
    var unfinishedSteps: Set<String> = []

    init() {}

    init(_ records: [JournalRecord]) {
        for record in records {
            switch record.kind {
            case .intent: mutations[record.entry] = .inDoubt(intent: record)
            case .outcome:
                if record.body["not_sent"] != nil {
                    mutations[record.entry] = .notApplied
                } else if record.body["error"]?["retryable"] == .bool(true) {
                    // A 5xx or 429: the provider may have applied it, or may take it later: not an answer to replay.
                    if case .inDoubt? = mutations[record.entry] {} else { mutations[record.entry] = .answered(record.body) }
                } else {
                    mutations[record.entry] = .answered(record.body)
                }
            case .resolution:
                switch record.body["decision"]?.string {
                case "applied": mutations[record.entry] = .applied(id: record.body["id"]?.string ?? "")
                // Refused, and an operator asks for it again once its cause is fixed: sent as if never sent.
                case "not_applied", "send_again": mutations[record.entry] = .notApplied
                default: break
                }
            case .stepStarted: unfinishedSteps.insert(record.entry)
            case .stepFinished:
                unfinishedSteps.remove(record.entry)
                finishedSteps[record.entry] = record.body["values"] ?? .array([])
            case .runStarted, .runEnded: break
            }
        }
    }

    /// The mutations in doubt that step `name` sent.
    func inDoubt(inStep name: String) -> [String] {
        mutations.compactMap { key, state in
            if case .inDoubt(let intent) = state, intent.body["step"]?.string == name { return key }
            return nil
        }.sorted()
    }

    /// `stopped after 41 mutations (40 answered, 1 in doubt)`.
    var summary: String {
        var answered = 0
        var inDoubt = 0
        for state in mutations.values {
            switch state {
            case .answered, .applied: answered += 1
            case .inDoubt: inDoubt += 1
            case .notApplied: break
            }
        }
        let count = answered + inDoubt
        return "stopped after \(count) mutation\(count == 1 ? "" : "s") (\(answered) answered, \(inDoubt) in doubt)"
    }
}
