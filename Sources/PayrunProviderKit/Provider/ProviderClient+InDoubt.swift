// What a client can say about a mutation that was sent and never answered (a run killed while it
// waited): the provider's own lookup settles it where the provider has one.
import PayrunFormats

extension ProviderClient {
    /// Whether a mutation sent earlier without an answer was applied, as far as the provider can tell.
    public enum InDoubtAnswer: Sendable {
        /// The provider has it: the reply is what it made.
        case applied(Reply)
        /// The provider's lookup did not find it: it never arrived.
        case notApplied
        /// Sending it again is safe: the provider recognises a repeat by `reference` (Tradevest's
        /// externalId) and answers with what the first made.
        case recognisesRepeat(reference: String)
        /// The provider cannot be asked; only a person can tell.
        case unknowable
    }

    /// Asks the provider about a mutation that may or may not have been applied.
    /// - Throws: `ProviderError` when the lookup itself failed (no answer, or an error other
    ///   than "not found").
    public func inDoubt(
        _ method: String, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil, headers: [(String, String)] = []
    ) async throws(ProviderError) -> InDoubtAnswer {
        let request = try await signed(method, path, query: query, body: body, headers: headers)
        if let lookup = provider.lookupBeforeResending(request) {
            do {
                return try await alreadyAccepted(lookup).map(InDoubtAnswer.applied) ?? .notApplied
            } catch where error.status == 404 {
                return .notApplied
            }
        }
        if case .deduplicated(let reference) = request.retrySafety { return .recognisesRepeat(reference: reference) }
        return .unknowable
    }

    /// Sends a mutation that an earlier run may already have sent, to a provider that recognises
    /// a repeat: a refusal as a duplicate is answered with what the first made.
    public func resend(
        _ method: String, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil, headers: [(String, String)] = []
    ) async throws(ProviderError) -> Reply {
        let (request, response) = try await send(method, path, query: query, body: body, headers: headers)
        do {
            return reply(to: response, result: try redactedResult(of: response, to: request))
        } catch {
            if let lookup = provider.existing(after: response, to: request), let reply = try await alreadyAccepted(lookup, refused: response) {
                return reply
            }
            throw error
        }
    }
}
