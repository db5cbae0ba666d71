// A small Stripe-style card API on loopback, for the acmepay definition (scripts/providers/):
// bearer keys, Stripe's error shape, idempotency keys honoured (a repeated key gets the first
// answer, never a second charge), cursor pages after the last id, events paged by Link headers,
// faults that apply a charge and then answer 500 or hold the answer back, and an OAuth 2.0
// client-credentials token endpoint whose tokens can be revoked.
import Foundation
import HTTPTypes
import Hummingbird
import PayrunLocks
import PayrunSimulators

public final class CardAPIServer: Sendable {
    public static let secretKey = "sk_test_acme_0123456789"
    /// The OAuth client's credentials `/oauth/token` accepts (Basic, or in the form).
    public static let clientID = "acme-client"
    public static let clientSecret = "acme-client-secret"

    /// `http://127.0.0.1:PORT/v1`.
    public let baseURL: String
    private let state: State
    private let application: RunningApplication

    final class State: Sendable {
        struct Stored: Sendable {
            let status: Int
            let body: String
        }

        let charges = Locked<[[String: Any & Sendable]]>([])
        let idempotent = Locked<[String: Stored]>([:])
        /// POSTs that apply and then answer 500 instead, one per entry.
        let failAfterApplying = Locked(0)
        let holdAfterApplying = Locked(0)
        /// Tokens issued and still good.
        let tokens = Locked<Set<String>>([])
        /// The page the last page of events links back to, as a provider whose pages loop.
        let eventsLoopTo = Locked<Int?>(nil)
        let tokensIssued = Locked(0)
        let requests = Locked<[(method: String, path: String, query: String, headers: [String: String])]>([])
        let events: Int
        init(events: Int) { self.events = events }
    }

    private init(port: Int, state: State, application: RunningApplication) {
        baseURL = "http://127.0.0.1:\(port)/v1"
        self.state = state
        self.application = application
    }

    public static func start(charges: Int = 0, events: Int = 0) async throws -> CardAPIServer {
        let state = State(events: events)
        state.charges.withLock { list in
            for index in 0..<charges {
                list.append(["id": String(format: "ch_%04d", index + 1), "amount": 100 * (index + 1), "currency": "eur", "status": "succeeded"])
            }
        }
        let router = Router()
        router.middlewares.add(Recorder(state: state))
        router.get("/v1/charges") { request, _ in try list(request, state: state) }
        router.get("/v1/charges/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            guard let charge = state.charges.withLock({ $0.first { $0["id"] as? String == id } }) else {
                return error(404, type: "invalid_request_error", code: "resource_missing", message: "No such charge: '\(id)'", param: "id")
            }
            return json(200, charge)
        }
        router.post("/v1/charges") { request, _ in try await create(request, state: state) }
        router.get("/v1/events") { request, _ in eventPage(request, state: state) }
        router.post("/oauth/token") { request, _ in try await token(request, state: state) }
        let application = try await RunningApplication.start(router)
        return CardAPIServer(port: application.port, state: state, application: application)
    }

    /// Every request, in order: method, path, query, headers in lower case.
    public var requests: [(method: String, path: String, query: String, headers: [String: String])] { state.requests.withLock { $0 } }
    public var charges: [[String: Any & Sendable]] { state.charges.withLock { $0 } }

    public func failNextCreateAfterApplying() { state.failAfterApplying.withLock { $0 += 1 } }

    /// The next create is applied and its answer held back for up to 30 s (until `stop`): a
    /// client killed meanwhile never learns it went through.
    public func holdNextCreateAfterApplying() { state.holdAfterApplying.withLock { $0 += 1 } }

    /// How many tokens `/oauth/token` gave.
    public var tokensIssued: Int { state.tokensIssued.withLock { $0 } }

    /// The last page of events links back to `page` instead of ending.
    public func loopEvents(backTo page: Int) { state.eventsLoopTo.withLock { $0 = page } }

    /// Every token issued so far is refused from now on (401).
    public func revokeTokens() { state.tokens.withLock { $0.removeAll() } }

    public func stop() async { await application.stop() }

    // MARK: Routes

    private struct Recorder: RouterMiddleware {
        typealias Context = BasicRequestContext
        let state: State

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            state.requests.withLock { $0.append((request.method.rawValue, request.uri.path, request.uri.query ?? "", headers)) }
            if request.uri.path == "/oauth/token" { return try await next(request, context) }
            let bearer = headers["authorization"].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil } ?? ""
            guard bearer == CardAPIServer.secretKey || state.tokens.withLock({ $0.contains(bearer) }) else {
                // Quoting the refused key, as some APIs do.
                return CardAPIServer.error(401, type: "invalid_request_error", code: "invalid_api_key", message: "Invalid API Key provided: \(bearer)", param: nil)
            }
            return try await next(request, context)
        }
    }

    /// `{"object": "list", "data": [...], "has_more": …}` after `starting_after`.
    private static func list(_ request: Request, state: State) throws -> Response {
        let query = request.uri.queryParameters
        let limit = query["limit"].flatMap { Int(String($0)) } ?? 10
        let all = state.charges.withLock { $0 }
        var start = 0
        if let after = query["starting_after"].map(String.init) {
            guard let index = all.firstIndex(where: { $0["id"] as? String == after }) else {
                return error(400, type: "invalid_request_error", code: "resource_missing", message: "No such charge: '\(after)'", param: "starting_after")
            }
            start = index + 1
        }
        let page = Array(all[min(start, all.count)..<min(start + limit, all.count)])
        return json(200, ["object": "list", "data": page, "has_more": start + limit < all.count, "url": "/v1/charges"])
    }

    /// A charge; with an Idempotency-Key seen before, the first answer again.
    private static func create(_ request: Request, state: State) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 16)
        let key = request.headers[HTTPField.Name("Idempotency-Key")!]
        if let key, let stored = state.idempotent.withLock({ $0[key] }) {
            return Response(
                status: .init(code: stored.status), headers: [.contentType: "application/json", HTTPField.Name("Idempotent-Replayed")!: "true"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: stored.body)))
        }
        guard let fields = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any], let amount = fields["amount"] as? Int, amount > 0 else {
            return error(400, type: "invalid_request_error", code: "parameter_missing", message: "Missing required param: amount.", param: "amount")
        }
        if amount == 4000 {
            return error(402, type: "card_error", code: "card_declined", message: "Your card was declined.", param: nil)
        }
        let charge: [String: Any & Sendable] = state.charges.withLock { list in
            let charge: [String: Any & Sendable] = [
                "id": String(format: "ch_%04d", list.count + 1), "amount": amount, "currency": fields["currency"] as? String ?? "eur", "status": "succeeded",
                "description": fields["description"] as? String ?? "",
            ]
            list.append(charge)
            return charge
        }
        let text = String(decoding: try JSONSerialization.data(withJSONObject: charge, options: [.sortedKeys]), as: UTF8.self)
        if let key { state.idempotent.withLock { $0[key] = State.Stored(status: 200, body: text) } }
        if state.holdAfterApplying.withLock({ count in defer { count = max(0, count - 1) }; return count > 0 }) {
            try? await Task.sleep(for: .seconds(30))
        }
        if state.failAfterApplying.withLock({ count in defer { count = max(0, count - 1) }; return count > 0 }) {
            return error(500, type: "api_error", code: "internal", message: "Something went wrong on our end.", param: nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// A client-credentials token, for the client's id and secret in a Basic header or the form.
    private static func token(_ request: Request, state: State) async throws -> Response {
        let body = String(buffer: try await request.body.collect(upTo: 1 << 16))
        var form: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            if parts.count == 2 { form[parts[0]] = parts[1] }
        }
        var client = (form["client_id"], form["client_secret"])
        if let basic = request.headers[.authorization], basic.hasPrefix("Basic "),
            let decoded = Data(base64Encoded: String(basic.dropFirst(6))).map({ String(decoding: $0, as: UTF8.self) }),
            let colon = decoded.firstIndex(of: ":") {
            client = (String(decoded[..<colon]), String(decoded[decoded.index(after: colon)...]))
        }
        guard form["grant_type"] == "client_credentials" else { return json(400, ["error": "unsupported_grant_type"]) }
        guard client.0 == clientID, client.1 == clientSecret else {
            return json(401, ["error": "invalid_client", "error_description": "Client authentication failed"])
        }
        let token = "tok_\(UUID().uuidString.prefix(8))"
        state.tokens.withLock { _ = $0.insert(token) }
        state.tokensIssued.withLock { $0 += 1 }
        return json(200, ["access_token": token, "token_type": "bearer", "expires_in": 3600, "scope": form["scope"] ?? ""])
    }

    /// Events `evt_1…evt_N`, a page of `limit`, the next page in a Link header.
    private static func eventPage(_ request: Request, state: State) -> Response {
        let query = request.uri.queryParameters
        let limit = query["limit"].flatMap { Int(String($0)) } ?? 10
        let page = query["page"].flatMap { Int(String($0)) } ?? 1
        let first = (page - 1) * limit
        let items: [[String: Any & Sendable]] = (first..<min(first + limit, state.events)).map { ["id": "evt_\($0 + 1)", "type": "charge.succeeded"] }
        var response = json(200, ["data": items])
        let following: Int? = first + limit < state.events ? page + 1 : state.eventsLoopTo.withLock { $0 }
        if let following {
            let host = request.head.authority ?? "127.0.0.1"
            response.headers[HTTPField.Name("Link")!] = "<http://\(host)/v1/events?limit=\(limit)&page=\(following)>; rel=\"next\", <http://\(host)/v1/events?limit=\(limit)&page=1>; rel=\"first\""
        }
        return response
    }

    private static func json(_ status: Int, _ value: Any) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) ?? Data()
        return Response(status: .init(code: status), headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    fileprivate static func error(_ status: Int, type: String, code: String, message: String, param: String?) -> Response {
        var error: [String: Any] = ["type": type, "code": code, "message": message]
        if let param { error["param"] = param }
        return json(status, ["error": error])
    }
}
