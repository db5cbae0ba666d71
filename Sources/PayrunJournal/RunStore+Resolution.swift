// An operator's word on a mutation the run could not settle itself: applied (with the id the
// provider gave it) or not applied. Journaled like everything else; the resumed run acts on it.
import PayrunFormats

extension RunStore {
    /// Records that the in-doubt mutation `mutation` of run `runID` was applied as `appliedID`,
    /// or (nil) was not applied.
    /// - Throws: ``ResolutionRefused`` when there is no such run or mutation, or it is not in doubt.
    @discardableResult
    public func resolve(run runID: String, mutation: String, appliedID: String?, by user: String) async throws -> JournalRecord {
        guard try await run(runID) != nil else { throw ResolutionRefused(message: "there is no run \(runID); `payrun runs` lists them") }
        let records = try await records(of: runID).filter { $0.entry == mutation }
        guard let last = records.last(where: { $0.kind == .intent || $0.kind == .outcome || $0.kind == .resolution }) else {
            throw ResolutionRefused(message: "run \(runID) has no mutation \(mutation); `payrun runs show \(runID)` lists its mutations")
        }
        guard last.kind == .intent else {
            throw ResolutionRefused(message: "mutation \(mutation) of run \(runID) is not in doubt: its outcome is already journaled")
        }
        var body: [String: JSONValue] = ["decision": .string(appliedID == nil ? "not_applied" : "applied"), "how": .string("an operator's decision"), "by": .string(user)]
        if let appliedID { body["id"] = .string(appliedID) }
        return try await append(JournalRecord(runID: runID, kind: .resolution, entry: mutation, body: .object(body)), durable: true)
    }
}

/// A resolution that cannot be recorded.
public struct ResolutionRefused: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}
