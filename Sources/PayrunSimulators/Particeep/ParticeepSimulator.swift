// The Particeep simulator (providers.md §1) under /particeep/v1: users, transactions, wallets and
// webhooks, signed as Particeep signs, each change sent as an event to the registered webhook.
import Hummingbird
import PayrunFormats

/// A stateful simulator of Particeep's API.
public struct ParticeepSimulator: ProviderSimulator {
    /// The credentials of the sandbox environment: public, shared by everyone, never real.
    public static let sandboxAPIKey = "sandbox-particeep-key"
    public static let sandboxAPISecret = "sandbox-particeep-secret"
    public static let pathPrefix = "/particeep/v1"
    static let providerName = "particeep"
    static var basePath: String { pathPrefix }
    static let sandboxCredentials = [("api_key", sandboxAPIKey), ("api_secret", sandboxAPISecret)]
    static var webhookEvents: [String] { ParticeepEvent.names.sorted() }

    public struct Configuration: Sendable {
        /// Where every event goes when no webhook is registered for it (`payrun sandbox
        /// --webhooks-to`); nil: nowhere.
        public var webhooksTo: String?
        public var apiKey = ParticeepSimulator.sandboxAPIKey
        public var apiSecret = ParticeepSimulator.sandboxAPISecret
        /// How far a request's DateTime may be from the server's clock (Particeep does not say).
        public var allowedSkewSeconds = 300
        /// The `request-quotamax` header; past it requests get 429. 0 means no limit.
        public var requestQuotaMax = 0
        /// How much data to generate when no data file is given.
        public var users = 2_000
        public var transactions = 10_000

        public init() {}
    }

    let configuration: Configuration
    let store: ParticeepStore

    /// - Throws: `SimulatorError` when `data` (the `particeep` member of a data file) is wrong.
    public init(_ configuration: Configuration = Configuration(), seed: UInt64 = 1, data: JSONValue? = nil) throws(SimulatorError) {
        self.configuration = configuration
        if let data {
            store = ParticeepStore(try ParticeepDataFile.load(data))
        } else {
            let generator = ParticeepDataGenerator(users: configuration.users, transactions: configuration.transactions, seed: seed)
            store = ParticeepStore(generator.generate())
        }
    }

    init(server configuration: SimulatorServer.Configuration) throws(SimulatorError) {
        try self.init(configuration.particeep, seed: configuration.seed, data: configuration.data?.providers["particeep"])
    }

    static func webhook(event: String, url: String, body: [UInt8]?) -> WebhookDispatcher.Message? {
        webhook(event: event, url: url, body: body, key: sandboxAPIKey, secret: sandboxAPISecret)
    }

    /// The `DateTime` and `Authorization` headers of a request signed now, as Particeep requires.
    public static func signedHeaders(key: String, secret: String) -> [(String, String)] {
        let dateTime = UTCTime.text(UTCTime.now())
        return [("DateTime", dateTime), ("Authorization", ParticeepSigner(key: key, secret: secret).authorization(dateTime: dateTime))]
    }

    /// The body and headers of a webhook for `event`, signed with `key` and `secret`, as
    /// Particeep sends them; nil for an unknown event. For `payrun sandbox trigger`.
    public static func webhook(
        event: String, url: String, body: [UInt8]?, key: String, secret: String
    ) -> WebhookDispatcher.Message? {
        guard let body = body ?? ParticeepEvent.sample(event) else { return nil }
        return WebhookDispatcher.Message(event: event, url: url, body: body) {
            // Signed at each attempt: a retry carries a fresh DateTime.
            [("X-Particeep-Event", event)] + signedHeaders(key: key, secret: secret)
        }
    }

    func addRoutes(to router: Router<SimulatorContext>, services: SimulatorServices) {
        router.add(middleware: ParticeepNotFound())
        let api = router.group(RouterPath(Self.pathPrefix))
            .add(middleware: FaultInjection(controller: services.faults) { status, message in
                ParticeepError(status: status, technicalCode: "error.sandbox.fault", message: message).response()
            })
            .add(middleware: ParticeepGateway(configuration: configuration, store: store))
        let routes = ParticeepRoutes(store: store, configuration: configuration, webhooks: services.webhooks)
        api.get("info") { _, _ in
            var writer = JSONWriter()
            writer.openObject()
            writer.field("version", "1")
            writer.field("simulator", "payrun sandbox")
            writer.closeObject()
            return Response.json(writer.bytes)
        }
        routes.addUsers(to: api)
        routes.addTransactions(to: api)
        routes.addWallets(to: api)
        routes.addWebhooks(to: api)
    }
}

/// Any other path or method under /particeep is a 404 in Particeep's shape, not an empty one.
/// A router middleware, because unmatched requests never reach the group's.
struct ParticeepNotFound: RouterMiddleware {
    typealias Context = SimulatorContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && request.uri.path.hasPrefix("/particeep/") {
            throw ParticeepError(
                status: .notFound, technicalCode: "error.endpoint.none",
                message: "Particeep has no endpoint \(request.method) \(request.uri.path.dropFirst(ParticeepSimulator.pathPrefix.count))")
        }
    }
}
