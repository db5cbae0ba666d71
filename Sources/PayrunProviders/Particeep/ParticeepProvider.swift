// Particeep (providers.md §1) as a payrun provider: signed with DateTime and PTP Authorization,
// both response shapes accepted, errors mapped with their technicalCode, limit/offset pages with
// total_size, webhooks checked by rebuilding their signature.
import Glibc
import PayrunFormats
import PayrunProviderKit

public struct ParticeepProvider: PaymentProvider {
    public let name = "particeep"
    /// The paths the official client uses (providers.md), relative to the `/v1` base.
    public let endpoints = [
        "/info", "/user", "/user/{id}", "/user/email/{email}", "/user/search", "/transaction",
        "/transaction/{id}", "/transaction/search", "/transaction/{id}/cancel", "/wallet", "/wallet/{id}",
        "/wallet/{id}/cashin", "/wallet/{id}/cashout", "/wallet/transfer", "/wallet/{id}/transactions",
        "/webhook", "/webhook/{id}",
    ]
    public let credentialFields = ["api_key", "api_secret"]
    /// The simulator's; public, like the test key in Particeep's own document.
    public let sandboxCredentials = ["api_key": "sandbox-particeep-key", "api_secret": "sandbox-particeep-secret"]
    /// How old a webhook's DateTime may be before it is refused (the signature covers nothing
    /// else, so an old one could be replayed).
    public var webhookMaximumAge = 300
    /// The request time is not secret; the Authorization derived from the secret is.
    public let publicSigningHeaders: Set<String> = ["datetime"]

    public init() {}

    public func baseURL(in environment: PayrunEnvironment, sandboxServer: String?) -> String? {
        switch environment {
        case .sandbox: sandboxServer.map { $0 + "/particeep/v1" }
        case .test: "https://test-api.particeep.com/v1"
        case .live: "https://api.particeep.com/v1"
        }
    }

    public func sign(_ request: inout ProviderRequest, in context: SigningContext) async throws(ProviderError) {
        _ = try signNow(&request, in: context)
    }

    /// An HMAC of its keys and the time: nothing shared to wait for.
    public var signsWithoutWaiting: Bool { true }

    /// Keys and a time: nothing to await.
    public func signNow(_ request: inout ProviderRequest, in context: SigningContext) throws(ProviderError) -> Bool {
        let signed = ParticeepRequestSigner.headers(
            key: try context.credentials.secret("api_key"), secret: try context.credentials.secret("api_secret"), at: UTCTime.now())
        request.headers.append(("DateTime", signed.dateTime))
        request.headers.append(("Authorization", signed.authorization))
        return true
    }

    /// Reads may be retried; DELETE of an id (the object is gone either way) too; creates and
    /// updates carry nothing Particeep deduplicates, so they never are.
    public func retrySafety(of request: ProviderRequest) -> RetrySafety {
        ["GET", "HEAD", "OPTIONS", "DELETE"].contains(request.method) ? .idempotent : .unsafe
    }

    public func result(of response: ProviderResponse, to request: ProviderRequest) throws(ProviderError) -> JSONValue {
        try parsedResult(of: response, to: request).value
    }

    public func parsedResult(of response: ProviderResponse, to request: ProviderRequest) throws(ProviderError) -> ProviderResult {
        guard !response.body.isEmpty else {
            guard (200..<300).contains(response.status) else { throw withoutBody(response) }
            return .built(.null)
        }
        let body = try response.json(answering: request, from: name)
        let envelope = Envelope(body)
        if let errorBody = envelope.error {
            throw mapped(errorBody.value, status: response.status)
        }
        guard (200..<300).contains(response.status) else { throw withoutBody(response) }
        return .parsed(envelope.result)
    }

    public func listBody(of response: ProviderResponse, parsed body: JSONTape.Node) -> JSONTape.Node? {
        let envelope = Envelope(body)
        guard (200..<300).contains(response.status), envelope.error == nil else { return nil }
        return envelope.result
    }

    /// An answer read as the documented envelope, `{"result": ..., "error": {"hasError": true,
    /// ...}, "meta": ...}`, or as a bare body. Its four members are found in one pass over the
    /// answer's (five lookups walked them five times: 900 instructions a request).
    private struct Envelope {
        /// The error: the envelope's, or a bare error body as the official client reads it.
        let error: JSONTape.Node?
        /// The envelope's result, or the bare body.
        let result: JSONTape.Node

        init(_ body: JSONTape.Node) {
            var error: JSONTape.Node?, hasError: JSONTape.Node?, result: JSONTape.Node?, meta: JSONTape.Node?
            // The last of a repeated name, as a subscript finds.
            body.forEachMember { name, value in
                switch name.count {
                case 4 where Self.is(name, "meta"): meta = value
                case 5 where Self.is(name, "error"): error = value
                case 6 where Self.is(name, "result"): result = value
                case 8 where Self.is(name, "hasError"): hasError = value
                default: break
                }
            }
            if let error, error["hasError"]?.bool == true {
                self.error = error
            } else {
                self.error = hasError?.bool == true ? body : nil
            }
            if let result, error != nil || meta != nil { self.result = result } else { self.result = body }
        }

        private static func `is`(_ name: UnsafeRawBufferPointer, _ wanted: StaticString) -> Bool {
            memcmp(name.baseAddress!, wanted.utf8Start, wanted.utf8CodeUnitCount) == 0
        }
    }

    private func withoutBody(_ response: ProviderResponse) -> ProviderError {
        ProviderError(
            provider: name, status: response.status, message: "HTTP \(response.status) without an error body",
            retryable: RetryPolicy.isRetryable(status: response.status))
    }

    private func mapped(_ error: JSONValue, status: Int) -> ProviderError {
        let first = { () -> JSONValue? in
            if case .array(let errors)? = error["errors"] { return errors.first }
            return nil
        }()
        let code = first?["technicalCode"]?.string
        let message = first?["message"]?.string ?? code ?? "an error without a message"
        var details: [String: String] = [:]
        if case .array(let errors)? = error["errors"], errors.count > 1 {
            for (index, other) in errors.dropFirst().enumerated() {
                details["error\(index + 2)"] = [other["technicalCode"]?.string, other["message"]?.string].compactMap { $0 }.joined(separator: ": ")
            }
        }
        return ProviderError(
            provider: name, status: status, code: code, message: message,
            retryable: RetryPolicy.isRetryable(status: status), details: details)
    }

    /// From 90% of `request-quotamax` (0 means no limit), a warning with the count.
    public func warning(about response: ProviderResponse) -> String? {
        guard let used = response.integerHeader("request-quota"),
            // 90% of the limit, without multiplying: a provider's number may be near Int's limit.
            let limit = response.integerHeader("request-quotamax"), limit > 0, used >= limit - limit / 10
        else { return nil }
        return "particeep: \(used) of this month's \(limit) requests used (request-quota); past \(limit), requests are refused"
    }

    public var pagination: PaginationScheme {
        .limitOffset(limit: "limit", offset: "offset", items: "data", total: "total_size", defaultLimit: 30)
    }

    /// Rebuilds `PTP:key:signature` from the received DateTime and compares, in constant time;
    /// refuses a DateTime older than ``webhookMaximumAge`` or more than that in the future.
    public func verify(_ webhook: IncomingWebhook, with credentials: ProviderCredentials, now: Int) -> WebhookVerdict {
        guard let dateTime = webhook.header("DateTime") else { return .invalid("no DateTime header") }
        guard let authorization = webhook.header("Authorization") else { return .invalid("no Authorization header") }
        guard let sent = UTCTime.seconds(from: dateTime) else { return .invalid("the DateTime header is not ISO 8601 UTC") }
        guard abs(now - sent) <= webhookMaximumAge else {
            return .invalid(sent > now
                ? "the DateTime header is more than \(webhookMaximumAge) s ahead of now: the clocks differ, or it was made to be sent later"
                : "the DateTime header is more than \(webhookMaximumAge) s from now: too old to trust (or the clocks differ)")
        }
        guard let key = try? credentials.text("api_key"), let secret = try? credentials.text("api_secret") else {
            return .invalid("the particeep credentials to check it with are not configured")
        }
        guard ConstantTime.equal(authorization, ParticeepRequestSigner.authorization(key: key, secret: secret, dateTime: dateTime)) else {
            return .invalid("the Authorization signature does not match")
        }
        return .valid
    }

    public var receivesWebhooks: Bool { true }

    public var webhookCredentialFields: [String] { ["api_key", "api_secret"] }

    /// The event's name is in `X-Particeep-Event` (`webhook` when it is missing or empty, as for
    /// a declared provider); Particeep gives no event id.
    public func describe(_ webhook: IncomingWebhook) -> WebhookDescription {
        WebhookDescription(type: webhook.header("X-Particeep-Event").flatMap { $0.isEmpty ? nil : $0 } ?? "webhook")
    }
}
