// Peex's inbound API (providers.md §4) as a payrun provider: a raw `SECRETKEY` header (and
// `ACCESS-TOKEN` when one is configured) added in Swift and never shown, payment requests checked
// before they leave, `track_id` as the idempotency reference (after an unclear failure the client
// looks the track_id up before sending again), and callbacks checked by their Basic credentials.
import PayrunFormats
import PayrunProviderKit

public struct PeexProvider: PaymentProvider {
    public let name = "peex"
    /// The partner API's paths (providers.md).
    public let endpoints = ["/clients/me", "/clients/request_payment", "/clients/all_requests"]
    /// `callback_user` and `callback_password` are the Basic credentials Peex's callbacks carry.
    public let credentialFields = ["secret_key", "access_token", "callback_user", "callback_password"]
    public let sandboxCredentials = [
        "secret_key": "sandbox-peex-secret-key", "callback_user": "sandbox-peex", "callback_password": "sandbox-peex-callback",
    ]

    /// Statuses after which a payment request no longer changes.
    public static let finalStatuses: Set<String> = ["paid", "failed", "canceled", "rejected"]

    public init() {}

    /// `clients/all_requests` answers 404 when there is no request to list (providers.md §4).
    public func saysTheListIsEmpty(_ error: ProviderError, path: String) -> Bool {
        error.status == 404 && path.split(separator: "?").first.map { $0.hasSuffix("/clients/all_requests") || $0 == "clients/all_requests" } == true
    }

    public func baseURL(in environment: PayrunEnvironment, sandboxServer: String?) -> String? {
        switch environment {
        case .sandbox: sandboxServer.map { $0 + "/peex/api/v3" }
        case .test: "https://dev-backend.peexit.com/api/v3"
        // Peex documents only its sandbox host; production is given to partners.
        case .live: nil
        }
    }

    public func sign(_ request: inout ProviderRequest, in context: SigningContext) async throws(ProviderError) {
        _ = try signNow(&request, in: context)
    }

    /// Its keys as headers: nothing shared to wait for.
    public var signsWithoutWaiting: Bool { true }

    /// Its keys as headers: nothing to await.
    public func signNow(_ request: inout ProviderRequest, in context: SigningContext) throws(ProviderError) -> Bool {
        if request.method == "POST", Self.isPaymentRequest(request), let body = request.body {
            let problems = PeexPaymentCheck.problems((try? JSONValue.parse(body)) ?? .null)
            guard problems.isEmpty else {
                throw ProviderError(provider: name, code: "invalid_payment", message: "request_payment not sent: " + problems.joined(separator: "; "))
            }
        }
        request.headers.append(("SECRETKEY", try context.credentials.text("secret_key")))
        if let token = try? context.credentials.text("access_token") { request.headers.append(("ACCESS-TOKEN", token)) }
        return true
    }

    static func isPaymentRequest(_ request: ProviderRequest) -> Bool {
        request.url.split(separator: "?").first?.hasSuffix("/clients/request_payment") ?? false
    }

    static func trackID(of request: ProviderRequest) -> String? {
        request.body.flatMap { try? JSONValue.parse($0) }?["track_id"]?.string
    }

    /// Reads may be sent again; a payment request is never resent blindly: after an unclear
    /// failure its track_id is looked up first (``lookupBeforeResending(_:)``).
    public func retrySafety(of request: ProviderRequest) -> RetrySafety {
        request.method == "GET" ? .idempotent : .unsafe
    }

    /// A payment request whose answer was lost is looked for by its track_id.
    public func lookupBeforeResending(_ request: ProviderRequest) -> ExistingLookup? {
        guard Self.isPaymentRequest(request), let trackID = Self.trackID(of: request) else { return nil }
        return ExistingLookup(path: "/clients/all_requests", query: [("track_id", trackID)]) { found in
            guard case .array(let items) = found else { return nil }
            return items.first { $0["track_id"]?.string == trackID }.map { .object(["request": $0]) }
        }
    }

    public func result(of response: ProviderResponse, to request: ProviderRequest) throws(ProviderError) -> JSONValue {
        try parsedResult(of: response, to: request).value
    }

    public func parsedResult(of response: ProviderResponse, to request: ProviderRequest) throws(ProviderError) -> ProviderResult {
        let body = response.body.isEmpty ? nil : try? JSONTape.parse(response.body).root
        guard (200..<300).contains(response.status) else {
            let text = body?["message"]?.string ?? body?["error"]?.string ?? String(decoding: response.body.prefix(200), as: UTF8.self)
            let meaning: String = switch response.status {
            case 401: "the SECRETKEY was refused: check peex.secret_key"
            // Said for the endpoint that means it; elsewhere a 404 is a path Peex does not have.
            case 404 where Self.isPaymentRequest(request): "not found: an unknown beneficiary"
            case 404 where request.url.contains("/clients/all_requests"): "not found: no request with that track_id"
            case 404: "not found"
            case 422 where Self.isPaymentRequest(request): "refused (aml_cft not confirmed, or a track_id that is not yours)"
            case 422 where request.url.contains("/clients/all_requests"): "refused: a track_id that is not yours"
            case 422: "refused"
            default: "HTTP \(response.status)"
            }
            throw ProviderError(
                provider: name, status: response.status, message: text.isEmpty ? meaning : "\(meaning): \(text)",
                retryable: RetryPolicy.isRetryable(status: response.status))
        }
        guard let body else {
            throw ProviderError(provider: name, status: response.status, message: "the answer is not JSON: " + String(decoding: response.body.prefix(80), as: UTF8.self))
        }
        return .parsed(body)
    }

    /// Peex's callbacks carry HTTP Basic credentials it issued; compared in constant time.
    public func verify(_ webhook: IncomingWebhook, with credentials: ProviderCredentials, now: Int) -> WebhookVerdict {
        guard let user = try? credentials.secret("callback_user"), let password = try? credentials.secret("callback_password") else {
            return .invalid("the peex.callback_user and peex.callback_password credentials to check it with are not configured")
        }
        return webhook.verifyBasic(user: user.withBytes { $0 }, password: password.withBytes { $0 })
    }

    public var receivesWebhooks: Bool { true }

    public var webhookCredentialFields: [String] { ["callback_user", "callback_password"] }

    /// A callback is a list of finished requests: its type is their status (`paid`, `failed`,
    /// `rejected`, ...) when they share one, `callback` otherwise. Peex gives no event id.
    public func describe(_ webhook: IncomingWebhook) -> WebhookDescription {
        guard case .array(let requests)? = try? JSONValue.parse(webhook.body) else { return WebhookDescription(type: "callback") }
        let statuses = Set(requests.map { $0["status"]?.string ?? "" })
        guard statuses.count == 1, let status = statuses.first, !status.isEmpty else { return WebhookDescription(type: "callback") }
        return WebhookDescription(type: status)
    }

    public var luaExtension: ProviderLuaExtension? { PeexExtension.methods }
}
