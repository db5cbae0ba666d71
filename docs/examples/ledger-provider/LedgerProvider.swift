// A provider of a company's own, written against PayrunProviderKit alone: a ledger API that
// signs each request with a bearer token, pages with limit/offset, and says which of its requests
// are reads and which can be retried. (docs/embedding.md walks through it; a test builds and uses it.)
import PayrunFormats
import PayrunProviderKit

public struct LedgerProvider: PaymentProvider {
    public let name = "ledger"
    /// Read with `context.credentials.text("token")` when signing; scripts never see it.
    public let credentialFields = ["token"]
    /// Where the ledger answers in each environment.
    let urls: [PayrunEnvironment: String]

    public init(urls: [PayrunEnvironment: String]) {
        self.urls = urls
    }

    public func baseURL(in environment: PayrunEnvironment, sandboxServer: String?) -> String? {
        urls[environment]
    }

    /// Signing may fail only with a `ProviderError` (typed throws): a missing credential is one.
    public func sign(_ request: inout ProviderRequest, in context: SigningContext) async throws(ProviderError) {
        request.headers.append(("Authorization", "Bearer " + (try context.credentials.text("token"))))
    }

    /// The answer's JSON, or the ledger's error in payrun's terms.
    public func result(of response: ProviderResponse, to request: ProviderRequest) throws(ProviderError) -> JSONValue {
        let body = (try? JSONValue.parse(response.body)) ?? .null
        guard (200..<300).contains(response.status) else {
            throw ProviderError(
                provider: name, status: response.status, code: body["code"]?.string,
                message: body["message"]?.string ?? "HTTP \(response.status)", retryable: RetryPolicy.isRetryable(status: response.status))
        }
        return body
    }

    /// `GET /entries?limit=&offset=`, the entries in `items`, the count in `total`.
    public var pagination: PaginationScheme {
        .limitOffset(limit: "limit", offset: "offset", items: "items", total: "total", defaultLimit: 100)
    }

    /// Posting an entry with a `reference` can be sent again: the ledger keeps one per reference.
    public func retrySafety(of request: ProviderRequest) -> RetrySafety {
        if isRead(request) { return .idempotent }
        if let body = request.body, let reference = (try? JSONValue.parse(body))?["reference"]?.string {
            return .deduplicated(by: "reference \(reference)")
        }
        return .unsafe
    }
}
