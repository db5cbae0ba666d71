// The Tradevest simulator (providers.md §2): an OAuth token endpoint under /tradevest-auth and the
// partner API under /tradevest, with creates processed asynchronously (RECEIVED, then CREATED or
// INVALID, and sometimes REJECTED later), each outcome sent as a webhook with the headers
// registered for it.
import Hummingbird
import PayrunFormats

/// A stateful simulator of Tradevest's partner API.
public struct TradevestSimulator: ProviderSimulator {
    /// The credentials of the sandbox environment: public, shared by everyone, never real.
    public static let sandboxClientID = "sandbox-tradevest-client"
    public static let sandboxClientSecret = "sandbox-tradevest-secret"
    public static let pathPrefix = "/tradevest"
    public static let authPrefix = "/tradevest-auth"
    /// The value registered for webhooks' `api-key` header in the sandbox, which the client
    /// checks them by (its `tradevest.webhook_secret`).
    public static let sandboxWebhookSecret = "sandbox-tradevest-webhook"
    static let providerName = "tradevest"
    static var basePath: String { pathPrefix }
    static let sandboxCredentials = [("client_id", sandboxClientID), ("client_secret", sandboxClientSecret)]
    static var webhookEvents: [String] { TradevestNotifications.eventTypes }

    static func webhook(event: String, url: String, body: [UInt8]?) -> WebhookDispatcher.Message? {
        TradevestNotifications.sample(event: event, url: url, body: body, headers: [("api-key", sandboxWebhookSecret)])
    }

    public struct Configuration: Sendable {
        /// Where notifications go for an event type with no webhook registered (`payrun sandbox
        /// --webhooks-to`), with the sandbox's webhook secret in `api-key`; nil: nowhere.
        public var webhooksTo: String?
        public var clientID = TradevestSimulator.sandboxClientID
        public var clientSecret = TradevestSimulator.sandboxClientSecret
        /// Seconds a token is good for (`expires_in`); a script running longer must renew.
        public var tokenLifetime = 3600
        /// How long a create stays RECEIVED before it is processed.
        public var processingDelay: Duration = .milliseconds(200)
        /// How long after CREATED a doomed entity becomes REJECTED.
        public var rejectionDelay: Duration = .milliseconds(200)
        /// Seconds after which RECEIVED and INVALID entities are removed (their externalIds stay used).
        public var purgeAfter: Double = 3600

        public init() {}
    }

    let configuration: Configuration
    let store = TradevestStore()

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    init(server configuration: SimulatorServer.Configuration) {
        self.init(configuration.tradevest)
    }

    func addRoutes(to router: Router<SimulatorContext>, services: SimulatorServices) {
        let auth = router.group(RouterPath(Self.authPrefix))
        let tokens = TradevestTokens(configuration: configuration, store: store)
        auth.post("oauth2/token", use: tokens.issue)
        auth.post("connect/token", use: tokens.issue)
        let api = router.group(RouterPath(Self.pathPrefix))
            .add(middleware: FaultInjection(controller: services.faults) { status, message in
                TradevestError(status: status, errorCode: "SANDBOX_FAULT", message: message).response()
            })
            .add(middleware: TradevestGateway(configuration: configuration, store: store))
        let routes = TradevestRoutes(configuration: configuration, store: store, webhooks: services.webhooks)
        routes.addCustomers(to: api)
        routes.addProducts(to: api)
        routes.addTransfers(to: api)
        routes.addWebhooks(to: api)
    }
}

/// `POST /oauth2/token`: client credentials in, a Bearer token out.
struct TradevestTokens: Sendable {
    let configuration: TradevestSimulator.Configuration
    let store: TradevestStore

    @Sendable func issue(_ request: Request, context: SimulatorContext) async throws -> Response {
        let buffer = try await request.body.collect(upTo: 1 << 16)
        let form = FormBody.urlEncoded(String(decoding: buffer.readableBytesView, as: UTF8.self))
        guard form["grant_type"] == "client_credentials" else {
            return Self.oauthError(.badRequest, "unsupported_grant_type", "grant_type must be client_credentials")
        }
        guard form["client_id"] == configuration.clientID, form["client_secret"] == configuration.clientSecret else {
            return Self.oauthError(.unauthorized, "invalid_client", "Client authentication failed")
        }
        let token = "tv-" + OperationIDs.next()
        store.state.withLock { $0.tokens[token] = UTCTime.nowPrecise() + Double(configuration.tokenLifetime) }
        var writer = JSONWriter()
        writer.openObject()
        writer.field("access_token", token)
        writer.field("token_type", "Bearer")
        writer.field("expires_in", configuration.tokenLifetime)
        writer.closeObject()
        return .json(writer.bytes)
    }

    static func oauthError(_ status: HTTPResponse.Status, _ code: String, _ description: String) -> Response {
        var writer = JSONWriter()
        writer.openObject()
        writer.field("error", code)
        writer.field("error_description", description)
        writer.closeObject()
        return .json(writer.bytes, status: status)
    }
}

/// Every API request needs a live Bearer token; RECEIVED and INVALID entities past their time
/// are purged as requests come.
struct TradevestGateway: RouterMiddleware {
    typealias Context = SimulatorContext
    let configuration: TradevestSimulator.Configuration
    let store: TradevestStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw TradevestError.unauthorized("Missing Bearer token: get one from the token endpoint")
        }
        let token = String(header.dropFirst("Bearer ".count))
        guard let expires = store.state.withLock({ $0.tokens[token] }) else { throw TradevestError.unauthorized("Unknown access token") }
        guard expires > UTCTime.nowPrecise() else { throw TradevestError.unauthorized("The access token expired") }
        store.purge(olderThan: configuration.purgeAfter)
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            throw TradevestError(
                status: .notFound, errorCode: "NOT_FOUND",
                message: "Tradevest has no endpoint \(request.method) \(request.uri.path.dropFirst(TradevestSimulator.pathPrefix.count))")
        }
    }
}
