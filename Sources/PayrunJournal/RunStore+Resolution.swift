// An operator's word on a mutation the run cannot settle itself: one left in doubt was applied
// (with the id the provider gave it) or was not; one the provider refused should go again, its
// cause fixed. Journaled like everything else; the resumed run acts on it.
import PayrunFormats

/// What an operator records about one mutation of a run.
public enum MutationResolution: Sendable, Equatable {
    /// A mutation in doubt was applied, and the provider calls what it made `id`.
    case applied(id: String)
    /// A mutation in doubt was not applied: the resumed run sends it.
    case notApplied
    /// The provider refused the mutation and its cause is fixed (a wallet topped up, a
    /// beneficiary registered): the resumed run sends it again instead of giving the refusal back.
    case sendAgain

    /// The journal's `decision`.
    var decision: String {
        switch self {
        case .applied: "applied"
        case .notApplied: "not_applied"
        case .sendAgain: "send_again"
        }
    }
}

extension RunStore {
    /// Records that the in-doubt mutation `mutation` of run `runID` was applied as `appliedID`,
    /// or (nil) was not applied.
    /// - Throws: ``ResolutionRefused`` when there is no such run or mutation, or it is not in doubt.
    @discardableResult
    public func resolve(run runID: String, mutation: String, appliedID: String?, by user: String) async throws -> JournalRecord {
        try await resolve(run: runID, mutation: mutation, as: appliedID.map { .applied(id: $0) } ?? .notApplied, by: user)
    }

    /// Records `resolution` for mutation `mutation` of run `runID`. An operator's earlier word can
    /// be corrected this way until the run next starts (it may be acted on then): the newest counts.
    /// - Throws: ``ResolutionRefused`` when there is no such run or mutation, or the resolution
    ///   does not fit where the mutation stands (only one in doubt is applied or not; only a
    ///   refused one is sent again, and only in a run that can still resume).
    @discardableResult
    public func resolve(run runID: String, mutation: String, as resolution: MutationResolution, by user: String) async throws -> JournalRecord {
        guard let run = try await run(runID) else { throw ResolutionRefused(message: "there is no run \(runID); `payrun runs` lists them") }
        let all = try await records(of: runID)
        let records = all.filter { $0.entry == mutation }
        var settled = records.filter { $0.kind == .intent || $0.kind == .outcome || $0.kind == .resolution }
        // An operator's word no attempt has started since: the mutation stands where it stood
        // before it. Once an attempt has begun after it, the word may have been acted on (an
        // `--applied` writes nothing more), and it stands.
        let lastStart = all.last { $0.kind == .runStarted }?.sequence ?? 0
        while let last = settled.last, last.kind == .resolution, last.body["how"]?.string == Self.operatorsDecision, last.sequence > lastStart {
            settled.removeLast()
        }
        guard let standing = MutationStanding.reading(settled)[mutation] else {
            throw ResolutionRefused(message: "run \(runID) has no mutation \(mutation); `payrun runs show \(runID)` lists its mutations")
        }
        let leftBehind = resolution == .sendAgain ? try await isLeftBehind(run, journal: all) : false
        switch (resolution, standing) {
        case (.applied, .inDoubt), (.notApplied, .inDoubt):
            break
        case (.sendAgain, .answered) where standing.refusal != nil && run.status.isFinished:
            throw ResolutionRefused(
                message: "run \(runID) finished, so it never resumes and nothing would send \(mutation) again; "
                    + "a payment it still owes needs a new run (of a script or input holding only that payment)")
        case (.sendAgain, .answered) where standing.refusal != nil && leftBehind:
            throw ResolutionRefused(message: "run \(runID) was left behind by a newer run (--new-run), so it never resumes and nothing would send \(mutation) again")
        case (.sendAgain, .answered) where standing.refusal != nil:
            break
        case (.sendAgain, .inDoubt):
            throw ResolutionRefused(
                message: "mutation \(mutation) of run \(runID) is in doubt, not refused: check at the provider whether it was applied, "
                    + "then say --applied ID or --not-applied")
        case (_, .answered) where standing.refusal != nil:
            throw ResolutionRefused(
                message: "mutation \(mutation) of run \(runID) was refused by the provider (\(standing.refusal ?? "")), so it was not applied; "
                    + "once its cause is fixed, --send-again has the resumed run send it again")
        case (_, .notSent):
            throw ResolutionRefused(message: "mutation \(mutation) of run \(runID) never left (refused before it was sent): a resumed run sends it")
        case (_, .answered):
            throw ResolutionRefused(message: "mutation \(mutation) of run \(runID) is not in doubt: the provider accepted it, as its journal says")
        case (_, .applied), (_, .notApplied):
            throw ResolutionRefused(message: "mutation \(mutation) of run \(runID) is not in doubt: it was settled already (`payrun runs show \(runID)`)")
        }
        var body: [String: JSONValue] = ["decision": .string(resolution.decision), "how": .string(Self.operatorsDecision), "by": .string(user)]
        if case .applied(let id) = resolution { body["id"] = .string(id) }
        return try await append(JournalRecord(runID: runID, kind: .resolution, entry: mutation, body: .object(body)), durable: true)
    }

    private static var operatorsDecision: String { "an operator's decision" }

    /// Whether `run` never resumes: a newer run of its key left it behind (`--new-run`), or its
    /// journal (`records`) says it was abandoned for a changed input, though it stays its key's latest.
    public func isLeftBehind(_ run: RunRecord, journal records: [JournalRecord]) async throws(StoreError) -> Bool {
        if records.contains(where: { $0.kind == .runEnded && $0.body["abandoned"] == .bool(true) }) { return true }
        return try await latestRun(key: run.key)?.id != run.id
    }
}

/// A resolution that cannot be recorded.
public struct ResolutionRefused: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}
