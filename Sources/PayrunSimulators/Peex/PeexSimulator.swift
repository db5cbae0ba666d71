// The Peex simulator (providers.md §4) under /peex/api/v3: `clients/me`, `clients/request_payment`
// and `clients/all_requests`, behind the `SECRETKEY` header. Payment requests move through Peex's
// statuses as the beneficiary's number decides, the way Peex's sandbox does, and finished ones are
// POSTed to the client's callback URL with Basic credentials until it answers.
import FoundationEssentials
import HTTPTypes
import Hummingbird
import PayrunFormats

/// A stateful simulator of Peex's inbound API.
public struct PeexSimulator: ProviderSimulator {
    public static let sandboxSecretKey = "sandbox-peex-secret-key"
    public static let pathPrefix = "/peex/api/v3"
    static let providerName = "peex"
    static var basePath: String { pathPrefix }
    static let sandboxCredentials = [("secret_key", sandboxSecretKey)]
    /// Peex calls back one URL with every finished request.
    static let webhookEvents = ["peex_callback"]

    static func webhook(event: String, url: String, body: [UInt8]?) -> WebhookDispatcher.Message? {
        guard event == "peex_callback" else { return nil }
        let configuration = Configuration()
        let now = UTCTime.now()
        let sample = PeexStore.Request(
            id: 1, trackID: "track-1", amount: 1000, fromCurrency: "XAF", toCurrency: "XAF", identifier: "+237677000001",
            status: "paid", paymentProof: nil, created: now, updated: now)
        return callback(body ?? JSONValue.array([sample.json]).encoded(), to: url, user: configuration.callbackUser, password: configuration.callbackPassword)
    }

    /// Finished requests POSTed to the callback URL with the client's Basic credentials.
    static func callback(_ body: [UInt8], to url: String, user: String, password: String) -> WebhookDispatcher.Message {
        let credentials = Data((user + ":" + password).utf8).base64EncodedString()
        return WebhookDispatcher.Message(event: "peex_callback", url: url, body: body) { [("Authorization", "Basic " + credentials)] }
    }

    public struct Configuration: Sendable {
        public var secretKey = PeexSimulator.sandboxSecretKey
        /// The client's balance (`solde`), in the payments' currency.
        public var solde: Double = 10_000_000
        /// A request above this stays `max_amount`.
        public var maxAmount: Double = 2_000_000
        /// Where finished requests are POSTed; none when nil.
        public var callbackURL: String?
        public var callbackUser = "sandbox-peex"
        public var callbackPassword = "sandbox-peex-callback"
        /// How long a request stays `new`, then `pending`, before it is decided.
        public var processingDelay: Duration = .milliseconds(200)

        public init() {}
    }

    /// How a beneficiary's number (after +237) decides a request, as Peex's sandbox numbers do.
    static let outcomes: [(prefix: String, status: String, proof: String?)] = [
        ("677000001", "paid", nil), ("699000001", "pending", nil),
        ("677100001", "failed", "MOBILE_WALLET_UNREACHABLE"), ("699100001", "rejected", "AMOUNT_EXCEED_THRESHOLD"),
    ]

    let configuration: Configuration
    let store: PeexStore

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
        store = PeexStore(solde: configuration.solde)
    }

    init(server configuration: SimulatorServer.Configuration) {
        self.init(configuration.peex)
    }

    func addRoutes(to router: Router<SimulatorContext>, services: SimulatorServices) {
        let api = router.group(RouterPath(Self.pathPrefix))
            .add(middleware: FaultInjection(controller: services.faults) { status, message in Self.message(message, status: status) })
            .add(middleware: PeexGateway(secretKey: configuration.secretKey))
        api.get("clients/me") { _, _ in
            let solde = store.state.withLock { $0.solde }
            let client: JSONValue = .object([
                "name": .string("payrun sandbox"), "email": .string("sandbox@payrun.example"), "adress": .string("Bonamoussadi"),
                "web_site": .string("payrun.example"), "description": .string("the payrun Peex simulator"),
                "callback_url": configuration.callbackURL.map(JSONValue.string) ?? .null, "solde": .number(solde),
                "orange_fees": .number(500), "mtn_fees": .number(500), "is_activated": .bool(true),
                "created_at": .string("2024-01-01T00:00:00Z"), "updated_at": .string(UTCTime.text(UTCTime.now())),
            ])
            return Response.json(client.encoded())
        }
        api.post("clients/request_payment") { request, _ in try await requestPayment(request, webhooks: services.webhooks) }
        api.get("clients/all_requests") { request, _ in
            let trackID: String? = request.uri.queryParameters.get("track_id").map { String($0) }
            if let trackID, trackID.hasPrefix("other-") { return Self.message("this track_id belongs to another client", status: .unprocessableContent) }
            let found = store.state.withLock { state in
                state.requests.values.filter { trackID == nil || $0.trackID == trackID }.sorted { $0.id < $1.id }
            }
            guard !found.isEmpty else { return Self.message("no request found", status: .notFound) }
            return Response.json(JSONValue.array(found.map(\.json)).encoded())
        }
    }

    private func requestPayment(_ request: Request, webhooks: WebhookDispatcher) async throws -> Response {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        guard case .object(let fields)? = try? JSONValue.parse(buffer.readableBytesView) else {
            return Self.message("the body must be a JSON object", status: .badRequest)
        }
        guard fields["aml_cft"] == .bool(true) || fields["aml_cft"] == .integer(1) || fields["aml_cft"] == .string("1") else {
            return Self.message("aml_cft must be accepted", status: .unprocessableContent)
        }
        guard let trackID = fields["track_id"]?.string, !trackID.isEmpty else { return Self.message("track_id is required", status: .badRequest) }
        if trackID.hasPrefix("other-") { return Self.message("this track_id belongs to another client", status: .unprocessableContent) }
        let amount: Double
        switch fields["amount"] {
        case .integer(let value)?: amount = Double(value)
        case .number(let value)?: amount = value
        case .exactNumber(let value)?: amount = Double(value) ?? 0
        case .string(let value)?: amount = Double(value) ?? 0
        default: amount = 0
        }
        guard amount > 0 else { return Self.message("amount must be positive", status: .badRequest) }
        let identifier = fields["mobile_phone"]?.string ?? fields["email"]?.string ?? ""
        let local = identifier.hasPrefix("+237") ? String(identifier.dropFirst(4)) : identifier
        let outcome = Self.outcomes.first { local.hasPrefix($0.prefix) }
        guard outcome != nil || identifier.hasSuffix("@example.com") else {
            return Self.message("the beneficiary \(identifier) is not a Peex user", status: .notFound)
        }
        let now = UTCTime.now()
        let (stored, isNew) = store.state.withLock { state -> (PeexStore.Request, Bool) in
            // The same track_id is the same request.
            if let existing = state.requests[trackID] { return (existing, false) }
            let status = amount > configuration.maxAmount ? "max_amount" : amount > state.solde ? "balance_pending" : "new"
            let created = PeexStore.Request(
                id: state.nextID, trackID: trackID, amount: amount, fromCurrency: fields["from_currency"]?.string ?? "XAF",
                toCurrency: fields["to_currency"]?.string ?? "XAF", identifier: identifier, status: status, created: now, updated: now)
            state.nextID += 1
            state.requests[trackID] = created
            return (created, true)
        }
        if isNew, stored.status == "new" {
            let final = outcome ?? ("", "paid", nil)
            process(trackID, to: final.status, proof: final.proof, webhooks: webhooks)
        }
        return Response.json(JSONValue.object(["request": stored.json]).encoded())
    }

    /// `new` → `pending` → the outcome, each after the processing delay; a finished request is
    /// paid from the balance and sent to the callback URL.
    private func process(_ trackID: String, to status: String, proof: String?, webhooks: WebhookDispatcher) {
        let delay = configuration.processingDelay
        let store = self.store
        let configuration = self.configuration
        Task {
            try? await Task.sleep(for: delay)
            store.state.withLock { state in
                state.requests[trackID]?.status = "pending"
                state.requests[trackID]?.updated = UTCTime.now()
            }
            guard status != "pending" else { return }
            try? await Task.sleep(for: delay)
            let finished = store.state.withLock { state -> PeexStore.Request? in
                guard var request = state.requests[trackID] else { return nil }
                request.status = status
                request.paymentProof = proof
                request.updated = UTCTime.now()
                if status == "paid" { state.solde -= request.amount }
                state.requests[trackID] = request
                return request
            }
            guard let finished, let url = configuration.callbackURL else { return }
            webhooks.send(Self.callback(
                JSONValue.array([finished.json]).encoded(), to: url, user: configuration.callbackUser, password: configuration.callbackPassword))
        }
    }

    static func message(_ text: String, status: HTTPResponse.Status) -> Response {
        Response.json(JSONValue.object(["message": .string(text)]).encoded(), status: status)
    }
}

/// Every call needs the client's `SECRETKEY`.
struct PeexGateway: RouterMiddleware {
    typealias Context = SimulatorContext
    let secretKey: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.headers[HTTPField.Name("SECRETKEY")!] == secretKey else {
            return PeexSimulator.message("Unauthenticated.", status: .unauthorized)
        }
        return try await next(request, context)
    }
}
