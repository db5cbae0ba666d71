// The Tradevest endpoints: customers (natural persons, legal entities), customer products,
// transfers, transaction history, the incoming-transfer test helper and webhooks. Creates are
// checked statically (400 with errorDetails, 409 for a used externalId), answered RECEIVED, and
// processed after a delay.
import HTTPTypes
import Hummingbird
import PayrunFormats

struct TradevestRoutes: Sendable {
    typealias API = RouterGroup<SimulatorContext>
    typealias State = TradevestStore.State

    let configuration: TradevestSimulator.Configuration
    let store: TradevestStore
    let webhooks: WebhookDispatcher

    static let eventTypes = ["CUSTOMER_NOTIFICATION", "TRANSFER_NOTIFICATION", "DOCUMENT_NOTIFICATION", "DIGITAL_ASSET_ORDER_NOTIFICATION"]

    // MARK: Customers

    func addCustomers(to api: API) {
        api.get("customers") { request, _ in try list(request, \.customers, filters: ["externalId", "status", "customerType"]) }
        api.get("customers/:id") { _, context in try read(\.customers, "customer", context) }
        api.post("customers/natural-persons") { request, _ in
            try await create(request, \.customers, idField: "customerId", event: "CUSTOMER_NOTIFICATION") { body in
                var problems = Self.required(body, ["firstName", "lastName", "email", "birthDate"])
                if let email = body["email"]?.string, !email.contains("@") { problems.append(("email", "INVALID_FORMAT", "must be an email address")) }
                if let date = body["birthDate"]?.string, !Self.isDate(date) { problems.append(("birthDate", "INVALID_FORMAT", "must be YYYY-MM-DD")) }
                return (problems, ["customerType": .string("NATURAL_PERSON")])
            } process: { entity, _ in
                // Full validation, as Tradevest does after accepting: adults only, a reachable address.
                let birth = entity.fields["birthDate"]?.string ?? ""
                if let year = Int(birth.prefix(4)), year > Self.currentYear() - 18 { return .invalid("customer must be at least 18 years old") }
                if entity.fields["email"]?.string?.hasSuffix("@invalid.example") == true { return .invalid("email address does not exist") }
                if entity.fields["lastName"]?.string == "Rejected" { return .rejectedLater("customer failed the compliance check") }
                return .created
            }
        }
        api.post("customers/legal-entities") { request, _ in
            try await create(request, \.customers, idField: "customerId", event: "CUSTOMER_NOTIFICATION") { body in
                (Self.required(body, ["name", "registrationNumber", "country"]), ["customerType": .string("LEGAL_ENTITY")])
            } process: { entity, _ in
                entity.fields["registrationNumber"]?.string == "000000" ? .invalid("registration number not found in the register") : .created
            }
        }
    }

    // MARK: Customer products

    func addProducts(to api: API) {
        api.get("customer-products") { request, _ in try list(request, \.products, filters: ["externalId", "status", "customerId"]) }
        api.get("customer-products/:id") { _, context in try read(\.products, "customer product", context) }
        api.post("customer-products") { request, _ in
            try await create(request, \.products, idField: "customerProductId", event: "CUSTOMER_NOTIFICATION") { body in
                (Self.required(body, ["customerId", "productId"]), ["balance": .string("0.00"), "currency": .string("EUR")])
            } process: { entity, state in
                let customer = entity.fields["customerId"]?.string.flatMap { state.customers[$0] }
                guard customer?.status == "CREATED" else { return .invalid("customer \(entity.fields["customerId"]?.string ?? "") is not an active customer") }
                return .created
            }
        }
    }

    // MARK: Transfers

    func addTransfers(to api: API) {
        api.get("transfers") { request, _ in try list(request, \.transfers, filters: ["externalId", "status", "customerProductId"]) }
        api.get("transfers/:id") { _, context in try read(\.transfers, "transfer", context) }
        api.get("transactions") { request, _ in try list(request, \.transactions, filters: ["customerProductId", "type"]) }
        api.post("transfers") { request, _ in
            try await create(request, \.transfers, idField: "transferId", event: "TRANSFER_NOTIFICATION") { body in
                var problems = Self.required(body, ["customerProductId", "creditorName", "creditorIban", "currency"])
                if Self.cents(body["amount"]) == nil { problems.append(("amount", "INVALID_AMOUNT", "must be more than 0 with at most two decimals")) }
                if let currency = body["currency"]?.string, currency != "EUR" { problems.append(("currency", "UNSUPPORTED", "SEPA transfers are in EUR")) }
                if let iban = body["creditorIban"]?.string, !Self.isIBAN(iban) { problems.append(("creditorIban", "INVALID_FORMAT", "must be an IBAN")) }
                return (problems, [:])
            } process: { entity, state in
                let productID = entity.fields["customerProductId"]?.string ?? ""
                guard state.products[productID]?.status == "CREATED" else { return .invalid("customer product \(productID) is not active") }
                let amount = Self.cents(entity.fields["amount"]) ?? 0
                guard state.balances[productID, default: 0] >= amount else { return .rejectedLater("insufficient funds") }
                state.balances[productID, default: 0] -= amount
                Self.record(&state, product: productID, cents: -amount, type: "SEPA_OUT", reference: entity.fields["reference"]?.string)
                return .created
            }
        }
        api.post("transfers-test/incoming-transfer") { request, _ in
            let body = try await Self.body(request)
            var problems = Self.required(body, ["customerProductId"])
            let amount = Self.cents(body["amount"])
            if amount == nil { problems.append(("amount", "INVALID_AMOUNT", "must be more than 0 with at most two decimals")) }
            if let reference = body["reference"]?.string, reference.count > 140 { problems.append(("reference", "TOO_LONG", "at most 140 characters")) }
            guard problems.isEmpty else { throw TradevestError.validation(problems) }
            let productID = body["customerProductId"]?.string ?? ""
            try store.state.withLock { state throws(TradevestError) in
                guard state.products[productID]?.status == "CREATED" else { throw TradevestError.notFound("active customer product", productID) }
                state.balances[productID, default: 0] += amount!
                Self.record(&state, product: productID, cents: amount!, type: "SEPA_IN", reference: body["reference"]?.string)
            }
            return Response(status: .accepted)
        }
    }

    // MARK: Webhooks

    func addWebhooks(to api: API) {
        api.get("webhooks") { _, _ in
            let list = store.state.withLock { state in state.webhooks.values.sorted { $0.eventType < $1.eventType } }
            return Response.json(JSONValue.array(list.map(Self.json)).encoded())
        }
        api.post("webhooks") { request, _ in
            let body = try await Self.body(request)
            var problems = Self.required(body, ["eventType", "url"])
            let eventType = body["eventType"]?.string ?? ""
            if !eventType.isEmpty, !Self.eventTypes.contains(eventType) {
                problems.append(("eventType", "UNKNOWN", "must be one of \(Self.eventTypes.joined(separator: ", "))"))
            }
            let url = body["url"]?.string ?? ""
            // HTTPS only, as Tradevest requires, except to this machine's own receivers.
            if !url.isEmpty, !url.hasPrefix("https://"), !url.hasPrefix("http://127.0.0.1"), !url.hasPrefix("http://localhost") {
                problems.append(("url", "INVALID_FORMAT", "must be an https URL"))
            }
            var headers: [(String, String)] = []
            if case .array(let given)? = body["headers"] {
                for header in given {
                    guard let name = header["name"]?.string, let value = header["value"]?.string else {
                        problems.append(("headers", "INVALID_FORMAT", "each header needs a name and a value"))
                        break
                    }
                    headers.append((name, value))
                }
                if given.count > 5 { problems.append(("headers", "TOO_MANY", "at most 5 headers")) }
            }
            guard problems.isEmpty else { throw TradevestError.validation(problems) }
            let webhook = TradevestStore.Webhook(eventType: eventType, url: url, headers: headers)
            store.state.withLock { $0.webhooks[eventType] = webhook }
            return Response.json(Self.json(webhook).encoded(), status: .created)
        }
        api.get("webhooks/:eventType") { _, context in
            let eventType = context.parameters.get("eventType") ?? ""
            guard let webhook = store.state.withLock({ $0.webhooks[eventType] }) else { throw TradevestError.notFound("webhook for", eventType) }
            return Response.json(Self.json(webhook).encoded())
        }
        api.delete("webhooks/:eventType") { _, context in
            let eventType = context.parameters.get("eventType") ?? ""
            guard store.state.withLock({ $0.webhooks.removeValue(forKey: eventType) }) != nil else {
                throw TradevestError.notFound("webhook for", eventType)
            }
            return Response(status: .noContent)
        }
        api.get("webhooks-missing") { _, _ in
            let registered = store.state.withLock { Set($0.webhooks.keys) }
            return Response.json(JSONValue.array(Self.eventTypes.filter { !registered.contains($0) }.map { .string($0) }).encoded())
        }
    }

    private static func json(_ webhook: TradevestStore.Webhook) -> JSONValue {
        .object([
            "eventType": .string(webhook.eventType), "url": .string(webhook.url),
            "headers": .array(webhook.headers.map { .object(["name": .string($0.0), "value": .string($0.1)]) }),
        ])
    }

    // MARK: Creating and processing

    /// What full validation decides about a RECEIVED entity.
    enum Outcome {
        case created
        case invalid(String)
        /// CREATED now, REJECTED after ``TradevestSimulator/Configuration/rejectionDelay``.
        case rejectedLater(String)
    }

    /// Checks `request`'s body (static checks, Requestor-ID, externalId), stores the entity as
    /// RECEIVED, answers 201 with its id, and processes it after the configured delay.
    private func create(
        _ request: Request, _ collection: WritableKeyPath<State, TradevestStore.Collection> & Sendable, idField: String, event: String,
        check: ([String: JSONValue]) -> ([(String, String, String)], [String: JSONValue]),
        process: @escaping @Sendable (TradevestStore.Entity, inout State) -> Outcome
    ) async throws -> Response {
        let body = try await Self.body(request)
        var (problems, extra) = check(body)
        if request.headers[HTTPField.Name("Requestor-ID")!]?.isEmpty ?? true {
            problems.append(("Requestor-ID", "REQUIRED", "the Requestor-ID header (the acting natural person's id) is required"))
        }
        if let externalID = body["externalId"], externalID.string?.isEmpty ?? true {
            problems.append(("externalId", "INVALID_FORMAT", "must be a non-empty string"))
        }
        guard problems.isEmpty else { throw TradevestError.validation(problems) }
        let id = OperationIDs.next()
        let now = UTCTime.now()
        var fields = body.merging(extra) { $1 }
        fields[idField] = .string(id)
        fields["status"] = .string("RECEIVED")
        fields["createdOn"] = .string(UTCTime.text(now))
        fields["modifiedOn"] = .string(UTCTime.text(now))
        extra = [:]
        try store.state.withLock { state throws(TradevestError) in
            if let externalID = body["externalId"]?.string {
                guard state.externalIDs.insert(externalID).inserted else {
                    throw TradevestError(status: .conflict, errorCode: "DUPLICATE_EXTERNAL_ID", message: "externalId \(externalID) was already used")
                }
            }
            state[keyPath: collection][id] = TradevestStore.Entity(fields: fields, created: UTCTime.nowPrecise())
        }
        let delay = configuration.processingDelay
        let rejection = configuration.rejectionDelay
        Task {
            try? await Task.sleep(for: delay)
            let outcome = store.state.withLock { state -> Outcome? in
                guard let entity = state[keyPath: collection][id] else { return nil }
                return process(entity, &state)
            }
            switch outcome {
            case nil: return
            case .created: change(collection, id, idField: idField, event: event, to: "CREATED", notification: "CREATED")
            case .invalid(let reason): change(collection, id, idField: idField, event: event, to: "INVALID", notification: "VALIDATION_ERROR", reason: reason)
            case .rejectedLater(let reason):
                change(collection, id, idField: idField, event: event, to: "CREATED", notification: "CREATED")
                try? await Task.sleep(for: rejection)
                change(collection, id, idField: idField, event: event, to: "REJECTED", notification: "UPDATED", reason: reason)
            }
        }
        var writer = JSONWriter()
        writer.openObject()
        writer.field(idField, id)
        writer.field("status", "RECEIVED")
        writer.closeObject()
        return .json(writer.bytes, status: .created)
    }

    /// Moves an entity to `status` and sends the thin notification to the registered webhook.
    private func change(
        _ collection: WritableKeyPath<State, TradevestStore.Collection> & Sendable, _ id: String, idField: String, event: String,
        to status: String, notification: String, reason: String? = nil
    ) {
        let modified = UTCTime.text(UTCTime.now())
        let (webhook, entity) = store.state.withLock { state -> (TradevestStore.Webhook?, TradevestStore.Entity?) in
            state[keyPath: collection][id]?.fields["status"] = .string(status)
            state[keyPath: collection][id]?.fields["modifiedOn"] = .string(modified)
            if let reason { state[keyPath: collection][id]?.fields["statusReason"] = .string(reason) }
            return (state.webhooks[event], state[keyPath: collection][id])
        }
        guard let webhook, let entity else { return }
        var payload: [String: JSONValue] = [
            idField: .string(id), "status": .string(status), "modifiedOn": .string(modified), "notificationType": .string(notification),
        ]
        if let externalID = entity.fields["externalId"] { payload["externalId"] = externalID }
        if let customerID = entity.fields["customerId"], idField != "customerId" { payload["customerId"] = customerID }
        let headers = webhook.headers
        webhooks.send(WebhookDispatcher.Message(event: event, url: webhook.url, body: JSONValue.object(payload).encoded()) { headers })
    }

    private static func record(_ state: inout State, product: String, cents: Int, type: String, reference: String?) {
        let id = OperationIDs.next()
        var fields: [String: JSONValue] = [
            "transactionId": .string(id), "customerProductId": .string(product), "type": .string(type),
            "amount": .string(Cents.text(cents)), "currency": .string("EUR"), "bookedOn": .string(UTCTime.text(UTCTime.now())),
        ]
        if let reference { fields["reference"] = .string(reference) }
        state.transactions[id] = TradevestStore.Entity(fields: fields, created: UTCTime.nowPrecise())
    }

    // MARK: Reading

    private func read(_ collection: KeyPath<State, TradevestStore.Collection> & Sendable, _ what: String, _ context: SimulatorContext) throws -> Response {
        let id = context.parameters.get("id") ?? ""
        guard let entity = store.state.withLock({ $0[keyPath: collection][id] }) else { throw TradevestError.notFound(what, id) }
        var fields = entity.fields
        if let balance = store.state.withLock({ $0.balances[id] }) { fields["balance"] = .string(Cents.text(balance)) }
        return Response.json(JSONValue.object(fields).encoded())
    }

    /// `{data: [...], pagination: {cursor, limit}}`, `limit` (default 20, at most 100) at a time
    /// from `cursor`; filtered by the query parameters named in `filters`.
    private func list(_ request: Request, _ collection: KeyPath<State, TradevestStore.Collection> & Sendable, filters: [String]) throws -> Response {
        let query = request.uri.queryParameters
        let limitText = query.get("limit") ?? "20"
        guard let limit = Int(limitText), (1...100).contains(limit) else {
            throw TradevestError.validation([("limit", "OUT_OF_RANGE", "must be between 1 and 100")])
        }
        var start = 0
        if let cursor = query.get("cursor"), !cursor.isEmpty {
            guard cursor.hasPrefix("c"), let offset = Int(cursor.dropFirst()), offset >= 0 else {
                throw TradevestError.validation([("cursor", "INVALID", "not a cursor this API returned")])
            }
            start = offset
        }
        let wanted = filters.compactMap { name in query.get(name).map { (name, String($0)) } }
        let matching = store.state.withLock { state in
            state[keyPath: collection].all.filter { entity in wanted.allSatisfy { entity.fields[$0.0]?.string == $0.1 } }
        }
        let page = matching.dropFirst(start).prefix(limit)
        let end = start + page.count
        var pagination: [String: JSONValue] = ["limit": .integer(limit)]
        pagination["cursor"] = end < matching.count ? .string("c\(end)") : .null
        let body = JSONValue.object(["data": .array(page.map { .object($0.fields) }), "pagination": .object(pagination)])
        return Response.json(body.encoded())
    }

    // MARK: Values

    private static func body(_ request: Request) async throws -> [String: JSONValue] {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        guard case .object(let fields)? = try? JSONValue.parse(buffer.readableBytesView) else {
            throw TradevestError.validation([("body", "INVALID_JSON", "the body must be a JSON object")])
        }
        return fields
    }

    private static func required(_ body: [String: JSONValue], _ names: [String]) -> [(String, String, String)] {
        names.filter { body[$0]?.string?.isEmpty ?? true }.map { ($0, "REQUIRED", "is required") }
    }

    private static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        return parts.count == 3 && parts[0].count == 4 && parts[1].count == 2 && parts[2].count == 2 && parts.allSatisfy { Int($0) != nil }
    }

    private static func isIBAN(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return (15...34).contains(bytes.count) && bytes.prefix(2).allSatisfy { (65...90).contains($0) }
            && bytes.allSatisfy { (48...57).contains($0) || (65...90).contains($0) }
    }

    /// An amount (a number or a decimal string) in cents: more than 0, at most two decimals.
    static func cents(_ value: JSONValue?) -> Int? {
        let text: String
        switch value {
        case .integer(let number)?: text = String(number)
        case .number(let number)?: text = String(number)
        case .string(let string)?: text = string
        default: return nil
        }
        guard let cents = Cents.parse(text), cents > 0 else { return nil }
        return cents
    }

    private static func currentYear() -> Int {
        Int(UTCTime.text(UTCTime.now()).prefix(4)) ?? 2026
    }
}
