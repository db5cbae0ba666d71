// A provider's answer that is an error, or a request that got none, as scripts see it: the
// provider, the HTTP status, the provider's own code, its message, the request id, and whether
// trying again could help.
import PayrunFormats

/// An error from (or on the way to) a provider.
public struct ProviderError: Error, Sendable, CustomStringConvertible {
    public var provider: String
    /// The HTTP status, when the provider answered.
    public var status: Int?
    /// The provider's own error code, e.g. `error.user.none`.
    public var code: String?
    public var message: String
    /// The provider's id for the request, when it gives one: quote it to their support.
    public var requestID: String?
    /// Whether sending the same request again later could succeed.
    public var retryable: Bool
    /// The request may or may not have been applied: it was sent and no answer came.
    public var outcomeUnknown = false
    /// No attempt can have reached the provider: each failed before the request left (a
    /// connection refused). A durable run journals it as not sent, to be sent when it resumes.
    public var neverSent = false
    /// For a request that got no answer: how many times it was tried (0 for an answer).
    public var attempts = 0
    /// Everything else the provider said about the error (field names, validation details).
    public var details: [String: String]
    /// The answer an earlier attempt of a durable run got, given again from its journal: the
    /// request was not sent again, and the provider not asked.
    public var fromJournal = false
    /// For a refusal given from the journal: the command that has the resumed run send it again
    /// once its cause is fixed (`payrun runs resolve … --send-again`).
    public var sendAgainCommand: String?

    public init(
        provider: String, status: Int? = nil, code: String? = nil, message: String, requestID: String? = nil,
        retryable: Bool = false, details: [String: String] = [:]
    ) {
        self.provider = provider
        self.status = status
        self.code = code
        self.message = message
        self.requestID = requestID
        self.retryable = retryable
        self.details = details
    }

    /// `particeep: 404 error.user.none: no user with id usr_9 (request 7f3a…)`. A 2xx status
    /// is left out: an error in a successful answer (Capitalist's) is its code.
    public var description: String {
        var text = "\(provider): "
        if let status, !(200..<300).contains(status) { text += "\(status) " }
        if let code { text += "\(code): " }
        text += message
        if let requestID { text += " (request \(requestID))" }
        if retryable { text += " [retryable]" }
        if fromJournal {
            text += " (the answer an earlier attempt of this run got, from its journal: not sent again"
            if let sendAgainCommand { text += "; if the run stops here, once the cause is fixed `\(sendAgainCommand)` has it sent when the run resumes" }
            text += ")"
        }
        return text
    }
}

extension ProviderResponse {
    /// The body, parsed.
    /// - Throws: for an answer that should be JSON and is not, what the parser said and the
    ///   first bytes (an HTML error page from a proxy, usually); retryable as its status is.
    public func json(answering request: ProviderRequest, from provider: String) throws(ProviderError) -> JSONTape.Node {
        do {
            return try JSONTape.parse(body).root
        } catch {
            throw ProviderError(
                provider: provider, status: status,
                message: "the answer to \(request.method) is not JSON (\(error.description)); the first bytes: "
                    + String(decoding: body.prefix(80), as: UTF8.self),
                retryable: RetryPolicy.isRetryable(status: status))
        }
    }
}
