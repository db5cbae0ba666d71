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
    /// Each mutation's last intent, with the SHA-256 of the script of the attempt that wrote it.
    var intents: [String: (record: JournalRecord, scriptDigest: String)] = [:]
    /// Where each step that finished began and finished, by the records' order: a step inside
    /// another (run while it ran) is skipped with it.
    private var stepSpans: [String: ClosedRange<Int>] = [:]

    init() {}

    init(_ records: [JournalRecord]) {
        mutations = MutationStanding.reading(records)
        var scriptDigest = ""
        var starts: [String: Int] = [:]
        for (index, record) in records.enumerated() {
            switch record.kind {
            case .stepStarted:
                unfinishedSteps.insert(record.entry)
                starts[record.entry] = index
            case .stepFinished:
                unfinishedSteps.remove(record.entry)
                finishedSteps[record.entry] = record.body["values"] ?? .array([])
                stepSpans[record.entry] = (starts[record.entry] ?? index)...index
            case .runStarted: scriptDigest = record.body["script_sha256"]?.string ?? ""
            case .intent: intents[record.entry] = (record, scriptDigest)
            case .runEnded, .outcome, .resolution: break
            }
        }
    }

    /// The mutations of step `name` and of the steps that ran inside it: what a step found done
    /// (or by its lookup) does not make again.
    func mutations(inStep name: String) -> [String] {
        var steps: Set = [name]
        if let span = stepSpans[name] {
            for (inner, range) in stepSpans where span.contains(range.lowerBound) && span.contains(range.upperBound) { steps.insert(inner) }
        }
        return intents.compactMap { key, sent in
            guard let step = sent.record.body["step"]?.string, steps.contains(step) else { return nil }
            return key
        }
    }

    /// The mutations a resumed attempt on a changed script may be making again with a changed
    /// request: sent under another script than `scriptDigest` to `provider`'s `method` `path`, and
    /// maybe applied (answered, applied by a word, or in doubt), and not among those `met` (made
    /// again, or in a step this attempt found done), oldest first.
    func sentUnderAnotherScript(
        than scriptDigest: String, to provider: String, _ method: String, _ path: String, except met: Set<String>
    ) -> [(key: String, intent: JournalRecord)] {
        intents.compactMap { key, sent -> (key: String, intent: JournalRecord)? in
            let body = sent.record.body
            guard sent.scriptDigest != scriptDigest, !met.contains(key), body["provider"]?.string == provider,
                  body["method"]?.string == method, body["path"]?.string == path else { return nil }
            switch mutations[key] {
            case .answered(let outcome)? where outcome["error"] == nil: return (key, sent.record)
            case .applied?, .inDoubt?: return (key, sent.record)
            default: return nil
            }
        }.sorted { ($0.intent.at, $0.key) < ($1.intent.at, $1.key) }
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
