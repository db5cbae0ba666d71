// The Particeep simulator: users and transactions over HTTP, signed as Particeep signs
// (providers.md §1), under /particeep/v1.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird

/// A stateful simulator of Particeep's API.
public struct ParticeepSimulator: Sendable {
    /// The credentials the sandbox environment uses; anyone may know them.
    public static let sandboxAPIKey = "sandbox-particeep-key"
    public static let sandboxAPISecret = "sandbox-particeep-secret"
    public static let pathPrefix = "/particeep/v1"

    public struct Configuration: Sendable {
        public var apiKey = ParticeepSimulator.sandboxAPIKey
        public var apiSecret = ParticeepSimulator.sandboxAPISecret
        /// How far a request's DateTime may be from the server's clock (Particeep does not say).
        public var allowedSkew: TimeInterval = 300
        public var seed: UInt64 = 1
        public var users = 2_000
        public var transactions = 10_000

        public init() {}
    }

    let configuration: Configuration
    let store: ParticeepStore

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
        store = ParticeepStore(seed: configuration.seed, users: configuration.users, transactions: configuration.transactions)
    }

    func addRoutes(to router: Router<BasicRequestContext>) {
        let api = router.group(RouterPath(Self.pathPrefix))
            .add(middleware: ParticeepAuthentication(
                apiKey: configuration.apiKey, apiSecret: configuration.apiSecret,
                allowedSkew: configuration.allowedSkew, store: store))
        api.get("info") { _, _ in json(.object(["version": .string("1"), "simulator": .string("payrun")])) }
        addCollection("user", order: \.userOrder, records: \.users, filters: ["email"], search: ["first_name", "last_name", "email"], to: api)
        addCollection(
            "transaction", order: \.transactionOrder, records: \.transactions,
            filters: ["status", "currency", "issuer_id", "recipient_id"], search: ["id"], to: api)
        api.put("user") { request, _ in try await create(request, kind: "user") }
        api.put("transaction") { request, _ in try await create(request, kind: "transaction") }
    }

    /// `GET /kind/search`, `GET /kind/:id`, `POST /kind/:id`, `DELETE /kind/:id`.
    private func addCollection(
        _ kind: String, order: WritableKeyPath<ParticeepStore.Records, [String]> & Sendable,
        records: WritableKeyPath<ParticeepStore.Records, [String: JSONValue]> & Sendable,
        filters: [String], search: [String], to api: RouterGroup<BasicRequestContext>
    ) {
        let store = self.store
        api.get("\(kind)/search") { request, _ in
            let query = request.uri.queryParameters
            let limit = try number(query.get("limit"), named: "limit", default: 30, range: 1...1000)
            let offset = try number(query.get("offset"), named: "offset", default: 0, range: 0...Int.max)
            let global = query.get("global_search")?.lowercased()
            let after = query.get("created_after")
            let before = query.get("created_before")
            let wanted = filters.compactMap { field in query.get(field).map { (field, $0) } }
            let (total, page) = store.records.withLock { all -> (Int, [JSONValue]) in
                let items = all[keyPath: records]
                let matching = all[keyPath: order].compactMap { items[$0] }.filter { item in
                    wanted.allSatisfy { item[$0.0]?.string == $0.1 }
                        && (global.map { text in search.contains { item[$0]?.string?.lowercased().contains(text) == true } } ?? true)
                        && (after.map { (item["created_at"]?.string ?? "") > $0 } ?? true)
                        && (before.map { (item["created_at"]?.string ?? "") < $0 } ?? true)
                }
                return (matching.count, Array(matching.dropFirst(offset).prefix(limit)))
            }
            return json(.object(["total_size": .integer(total), "data": .array(page)]))
        }
        api.get("\(kind)/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let item = store.records.withLock({ $0[keyPath: records][id] }) else { throw ParticeepError.notFound(kind, id) }
            return json(item)
        }
        api.post("\(kind)/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            guard case .object(let changes) = try await body(of: request) else {
                throw ParticeepError.badRequest("the body must be a JSON object of the fields to change")
            }
            let updated = try store.records.withLock { all -> JSONValue in
                guard case .object(var item) = all[keyPath: records][id] else { throw ParticeepError.notFound(kind, id) }
                for (key, value) in changes where key != "id" && key != "created_at" { item[key] = value }
                all[keyPath: records][id] = .object(item)
                return .object(item)
            }
            return json(updated)
        }
        api.delete("\(kind)/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            let removed = try store.records.withLock { all -> JSONValue in
                guard let item = all[keyPath: records].removeValue(forKey: id) else { throw ParticeepError.notFound(kind, id) }
                all[keyPath: order].removeAll { $0 == id }
                return item
            }
            return json(removed)
        }
    }

    /// `PUT /user`, `PUT /transaction`: creates, checking what the object must have.
    private func create(_ request: Request, kind: String) async throws -> Response {
        guard case .object(var fields) = try await body(of: request) else {
            throw ParticeepError.badRequest("the body must be a JSON object")
        }
        if kind == "user" {
            guard let email = fields["email"]?.string, email.contains("@") else {
                throw ParticeepError.badRequest("a user needs an email", code: "error.user.email.invalid")
            }
        } else {
            guard let amount = fields["amount"]?.integer, amount > 0 else {
                throw ParticeepError.badRequest("amount must be a positive integer (minor units)", code: "error.transaction.amount.invalid")
            }
            guard let currency = fields["currency"]?.string, currency.count == 3, currency.allSatisfy({ $0.isUppercase }) else {
                throw ParticeepError.badRequest("currency must be an ISO 4217 code like EUR", code: "error.transaction.currency.invalid")
            }
            fields["status"] = .string("PENDING")
        }
        if fields["custom"] == nil { fields["custom"] = .object([:]) }
        fields["created_at"] = .string(ParticeepSignature.dateTime(Date()))
        let created = store.records.withLock { all -> JSONValue in
            let prefix = kind == "user" ? "usr" : "txn"
            let id = "\(prefix)_\(all.nextNumber)"
            all.nextNumber += 1
            fields["id"] = .string(id)
            if kind == "user" {
                all.users[id] = .object(fields)
                all.userOrder.append(id)
            } else {
                all.transactions[id] = .object(fields)
                all.transactionOrder.append(id)
            }
            return .object(fields)
        }
        return json(created)
    }
}

private func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
    Response(
        status: status, headers: [.contentType: "application/json"],
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: Array(value.encoded()))))
}

private func body(of request: Request) async throws -> JSONValue {
    let buffer = try await request.body.collect(upTo: 1 << 20)
    guard let value = JSONValue.parse(Data(buffer.readableBytesView)) else {
        throw ParticeepError.badRequest("the body is not valid JSON", code: "error.json.invalid")
    }
    return value
}

private func number(_ text: String?, named name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
    guard let text else { return value }
    guard let number = Int(text), range.contains(number) else {
        throw ParticeepError.badRequest("\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
    }
    return number
}
