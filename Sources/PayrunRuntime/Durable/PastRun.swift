// What an earlier attempt of a run did, read back from its journal when the run resumes: each
// mutation's last known state and each step's result.
import PayrunFormats
import PayrunJournal

/// The journal of the attempts before this one, by mutation key and step name.
struct PastRun: Sendable {
    /// Where each mutation was left, by its key: the journal's one reading (``MutationStanding``).
    var mutations: [String: MutationStanding] = [:]
    /// Steps that finished, with their stored results.
    var finishedSteps: [String: JSONValue] = [:]
    /// Steps that began and never finished.
    var unfinishedSteps: Set<String> = []

    init() {}

    init(_ records: [JournalRecord]) {
        mutations = MutationStanding.reading(records)
        for record in records {
            switch record.kind {
            case .stepStarted: unfinishedSteps.insert(record.entry)
            case .stepFinished:
                unfinishedSteps.remove(record.entry)
                finishedSteps[record.entry] = record.body["values"] ?? .array([])
            case .runStarted, .runEnded, .intent, .outcome, .resolution: break
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

    /// `stopped after 41 mutations (40 answered, 1 in doubt)`, and how many go again (not sent,
    /// or not applied by an operator's word), when any do: after `runs resolve --not-applied`
    /// the mutation is still the run's, to be sent now.
    var summary: String {
        var answered = 0
        var inDoubt = 0
        var again = 0
        for state in mutations.values {
            switch state {
            case .answered, .applied: answered += 1
            case .inDoubt: inDoubt += 1
            case .notApplied, .notSent: again += 1
            }
        }
        let count = answered + inDoubt + again
        return "stopped after \(count) mutation\(count == 1 ? "" : "s") (\(answered) answered, \(inDoubt) in doubt"
            + (again > 0 ? ", \(again) to send again)" : ")")
    }
}
