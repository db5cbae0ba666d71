// Tradevest's partner API (providers.md §2) as a payrun provider: OAuth 2.0 client credentials
// against a separate authorization host (one token for the whole run, renewed before it expires
// and once on a 401), Bearer requests, cursor pages, errors with their errorDetails, creates
// retried only when they carry an externalId (a 409 for our own externalId after a retry means
// the first attempt got through), and webhooks checked by the static header registered with them.
import PayrunFormats
import PayrunProviderKit

public struct TradevestProvider: PaymentProvider {
    public let name = "tradevest"
    /// The paths payrun's simulator serves, from Tradevest's API reference.
    public let endpoints = [
        "/customers", "/customers/{id}", "/customers/natural-persons", "/customers/legal-entities",
        "/customer-products", "/customer-products/{id}", "/transfers", "/transfers/{id}", "/transactions",
        "/webhooks", "/webhooks/{eventType}", "/webhooks-missing", "/transfers-test/incoming-transfer",
    ]
    /// `webhook_secret` is the value of the header registered with the webhooks (see
    /// ``webhookHeader``), which is how their receiver tells them from forgeries.
    public let credentialFields = ["client_id", "client_secret", "webhook_secret"]
    /// The simulator's; public and the same for everyone.
    public let sandboxCredentials = [
        "client_id": "sandbox-tradevest-client", "client_secret": "sandbox-tradevest-secret",
        "webhook_secret": "sandbox-tradevest-webhook",
    ]
    /// The token endpoint on the authorization host: the docs name both `/oauth2/token` (API
    /// reference) and `/connect/token` (guide).
    public var tokenPath = "/oauth2/token"
    /// Sent with the token request when set (the guide's `tradevest.api`).
    public var scope: String?
    /// The header registered with each webhook whose value is `webhook_secret`.
    public var webhookHeader = "api-key"

    public init() {}

    public func baseURL(in environment: PayrunEnvironment, sandboxServer: String?) -> String? {
        switch environment {
        case .sandbox: sandboxServer.map { $0 + "/tradevest" }
        case .test: "https://tvda-api.platform-test.tradevest.ai"
        case .live: "https://tvda-api.platform-prod.tradevest.ai"
        }
    }

    /// Where tokens come from.
    public func authorizationURL(in environment: PayrunEnvironment, sandboxServer: String?) -> String? {
        switch environment {
        case .sandbox: sandboxServer.map { $0 + "/tradevest-auth" }
        case .test: "https://b2b.auth.platform-test.tradevest.ai"
        case .live: "https://b2b.auth.platform-prod.tradevest.ai"
        }
    }

    /// The API host and the authorization host.
    public func hosts(in environment: PayrunEnvironment, sandboxServer: String?) -> [String] {
        [baseURL(in: environment, sandboxServer: sandboxServer), authorizationURL(in: environment, sandboxServer: sandboxServer)]
            .compactMap { $0.flatMap(CredentialScope.host(of:)) }
    }

    public func sign(_ request: inout ProviderRequest, in context: SigningContext) async throws(ProviderError) {
        let token = try await context.cache.token("access").value(renewingWithin: 0) { () async throws(ProviderError) in
            try await fetchToken(context)
        }
        request.headers.append(("Authorization", "Bearer " + token.withBytes { String(decoding: $0, as: UTF8.self) }))
    }

    /// A token from the authorization host (the client's id and secret in the form, as
    /// Tradevest's document shows).
    private func fetchToken(_ context: SigningContext) async throws(ProviderError) -> (Secret, Int) {
        guard let base = authorizationURL(in: context.environment, sandboxServer: context.sandboxServer) else {
            throw ProviderError(provider: name, message: "tradevest has no authorization host in \(context.environment)")
        }
        return try await ClientCredentialsGrant.token(
            from: base + tokenPath, fields: ("client_id", "client_secret"), scope: scope, basicAuthentication: false, in: context)
    }

    /// A 401 means the token is no longer good (expired early, revoked): forget it, and sign
    /// the request again with a new one, once.
    public func renewsAuthorization(after response: ProviderResponse, to request: ProviderRequest, in context: SigningContext) async -> Bool {
        guard response.status == 401, let header = request.header("Authorization"), header.hasPrefix("Bearer ") else { return false }
        await context.cache.token("access").invalidate(Secret(String(header.dropFirst("Bearer ".count))))
        return true
    }

    /// Reads may be retried, and so may deletes and webhook registrations (which replace);
    /// a create only when it carries an `externalId`, which Tradevest refuses a second time.
    public func retrySafety(of request: ProviderRequest) -> RetrySafety {
        if ["GET", "HEAD", "OPTIONS", "DELETE"].contains(request.method) { return .idempotent }
        if request.method == "POST", Self.path(of: request.url).hasSuffix("/webhooks") { return .idempotent }
        if let externalID = externalID(of: request) { return .deduplicated(by: "externalId \(externalID)") }
        return .unsafe
    }

    private func externalID(of request: ProviderRequest) -> String? {
        guard let body = request.body, let value = try? JSONValue.parse(body) else { return nil }
        return value["externalId"]?.string
    }

    /// After a create was sent again and Tradevest answered 409 for its externalId: the first
    /// attempt was accepted; the entity is found in its collection by that externalId.
    public func existing(after conflict: ProviderResponse, to request: ProviderRequest) -> ExistingLookup? {
        guard conflict.status == 409, let externalID = externalID(of: request) else { return nil }
        let segments = Self.path(of: request.url).split(separator: "/")
        guard let collection = segments.first else { return nil }
        return ExistingLookup(path: "/" + collection, query: [("externalId", externalID)]) { found in
            guard case .array(let items)? = found["data"] else { return nil }
            return items.first { $0["externalId"]?.string == externalID }
        }
    }

    public func result(of response: ProviderResponse, to request: ProviderRequest) throws(ProviderError) -> JSONValue {
        try parsedResult(of: response, to: request).value
    }

    public func parsedResult(of response: ProviderResponse, to request: ProviderRequest) throws(ProviderError) -> ProviderResult {
        let body: JSONTape.Node?
        do {
            body = response.body.isEmpty ? nil : try JSONTape.parse(response.body).root
        } catch {
            throw ProviderError(
                provider: name, status: response.status,
                message: "the answer to \(request.method) is not JSON (\(error.description)); the first bytes: "
                    + String(decoding: response.body.prefix(80), as: UTF8.self),
                retryable: RetryPolicy.isRetryable(status: response.status))
        }
        guard (200..<300).contains(response.status) else { throw mapped(body?.value, status: response.status) }
        return body.map(ProviderResult.parsed) ?? .built(.object([:]))
    }

    /// `{message, responseType, requestId, validationString, errorCode, errorDetails: [{field,
    /// errors: [{code, parameter, message}]}]}`, each field's errors kept under its name.
    private func mapped(_ body: JSONValue?, status: Int) -> ProviderError {
        var details: [String: String] = [:]
        if let validation = body?["validationString"]?.string { details["validation"] = validation }
        if let type = body?["responseType"]?.string { details["responseType"] = type }
        if case .array(let fields)? = body?["errorDetails"] {
            for field in fields {
                guard let name = field["field"]?.string, case .array(let errors)? = field["errors"] else { continue }
                details[name] = errors.map { error in
                    [error["code"]?.string, error["message"]?.string].compactMap { $0 }.joined(separator: ": ")
                }.joined(separator: "; ")
            }
        }
        let fields = details.keys.filter { $0 != "validation" && $0 != "responseType" }.sorted()
        let message = body?["message"]?.string ?? "HTTP \(status)"
        return ProviderError(
            provider: name, status: status, code: body?["errorCode"]?.string,
            message: message + (fields.isEmpty ? "" : " (" + fields.map { "\($0): \(details[$0]!)" }.joined(separator: ", ") + ")"),
            requestID: body?["requestId"]?.string, retryable: RetryPolicy.isRetryable(status: status), details: details)
    }

    public var pagination: PaginationScheme {
        .cursor(cursor: "cursor", limit: "limit", items: "data", next: ["pagination", "cursor"], defaultLimit: 20)
    }

    /// Tradevest signs nothing: the receiver checks the header it registered with the webhook.
    public func verify(_ webhook: IncomingWebhook, with credentials: ProviderCredentials, now: Int) -> WebhookVerdict {
        guard let secret = try? credentials.text("webhook_secret") else {
            return .invalid("the tradevest.webhook_secret credential to check it with is not configured")
        }
        guard let received = webhook.header(webhookHeader) else { return .invalid("no \(webhookHeader) header") }
        guard ConstantTime.equal(received, secret) else { return .invalid("the \(webhookHeader) header does not match") }
        return .valid
    }

    public var receivesWebhooks: Bool { true }

    public var webhookCredentialFields: [String] { ["webhook_secret"] }

    /// Registered with each webhook as the header Tradevest sends (`t:register_webhook`).
    public var bodyCredentialFields: Set<String> { ["webhook_secret"] }

    public var webhookSecretHeaders: Set<String> { ["authorization", webhookHeader.lowercased()] }

    /// A notification names no event type and has no id: the type is told by the entity's id
    /// field (`transferId` a TRANSFER_NOTIFICATION, `documentId` a DOCUMENT_NOTIFICATION, ...).
    public func describe(_ webhook: IncomingWebhook) -> WebhookDescription {
        guard case .object(let fields)? = try? JSONValue.parse(webhook.body) else { return WebhookDescription(type: "NOTIFICATION") }
        let types = [
            ("transferId", "TRANSFER_NOTIFICATION"), ("documentId", "DOCUMENT_NOTIFICATION"),
            ("orderId", "DIGITAL_ASSET_ORDER_NOTIFICATION"), ("customerId", "CUSTOMER_NOTIFICATION"),
        ]
        return WebhookDescription(type: types.first { fields[$0.0] != nil }?.1 ?? "NOTIFICATION")
    }

    public var luaExtension: ProviderLuaExtension? { TradevestExtension.methods(header: webhookHeader) }

    /// The path of `url` below the host, query dropped.
    static func path(of url: String) -> String {
        guard let start = url.firstRange(of: "://") else { return url }
        let rest = url[start.upperBound...]
        let path = rest.drop { $0 != "/" }.prefix { $0 != "?" }
        // The sandbox serves under /tradevest.
        return path.hasPrefix("/tradevest/") ? String(path.dropFirst("/tradevest".count)) : String(path)
    }
}
