// The Tradevest endpoints: customers (natural persons, legal entities), customer products,
// transfers, transaction history, the incoming-transfer test helper and webhooks, with each
// create's own checks and processing rules; the machinery they share is in TradevestProcessing.
import HTTPTypes
import Hummingbird
import PayrunFormats

struct TradevestRoutes: Sendable {
    typealias API = RouterGroup<SimulatorContext>
    typealias State = TradevestStore.State

    let store: TradevestStore
    let processing: TradevestProcessing

    init(configuration: TradevestSimulator.Configuration, store: TradevestStore, webhooks: WebhookDispatcher) {
        self.store = store
        processing = TradevestProcessing(configuration: configuration, store: store, webhooks: webhooks)
    }

    // MARK: Customers

    func addCustomers(to api: API) {
        api.get("customers") { request, _ in try list(request, \.customers, filters: ["externalId", "status", "customerType"]) }
        api.get("customers/:id") { _, context in try read(\.customers, "customer", context) }
        api.post("customers/natural-persons") { request, _ in
            try await processing.create(request, \.customers, idField: "customerId", event: "CUSTOMER_NOTIFICATION") { body in
                var problems = TradevestValidation.required(body, ["firstName", "lastName", "email", "birthDate"])
                if let email = body["email"]?.string, !email.contains("@") { problems.append(("email", "INVALID_FORMAT", "must be an email address")) }
                if let date = body["birthDate"]?.string, !TradevestValidation.isDate(date) { problems.append(("birthDate", "INVALID_FORMAT", "must be YYYY-MM-DD")) }
                return (problems, ["customerType": .string("NATURAL_PERSON")])
            } process: { entity, _ in
                // Full validation, as Tradevest does after accepting: adults only, a reachable address.
                if TradevestValidation.isMinor(birthDate: entity.fields["birthDate"]?.string ?? "") {
                    return .invalid("customer must be at least 18 years old")
                }
                if entity.fields["email"]?.string?.hasSuffix("@invalid.example") == true { return .invalid("email address does not exist") }
                if entity.fields["lastName"]?.string == "Rejected" { return .rejectedLater("customer failed the compliance check") }
                return .created
            }
        }
        api.post("customers/legal-entities") { request, _ in
            try await processing.create(request, \.customers, idField: "customerId", event: "CUSTOMER_NOTIFICATION") { body in
                (TradevestValidation.required(body, ["name", "registrationNumber", "country"]), ["customerType": .string("LEGAL_ENTITY")])
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
            try await processing.create(request, \.products, idField: "customerProductId", event: "CUSTOMER_NOTIFICATION") { body in
                (TradevestValidation.required(body, ["customerId", "productId"]), ["balance": .string("0.00"), "currency": .string("EUR")])
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
            try await processing.create(request, \.transfers, idField: "transferId", event: "TRANSFER_NOTIFICATION") { body in
                var problems = TradevestValidation.required(body, ["customerProductId", "creditorName", "creditorIban", "currency"])
                if TradevestValidation.cents(body["amount"]) == nil { problems.append(("amount", "INVALID_AMOUNT", "must be more than 0 with at most two decimals")) }
                if let currency = body["currency"]?.string, currency != "EUR" { problems.append(("currency", "UNSUPPORTED", "SEPA transfers are in EUR")) }
                if let iban = body["creditorIban"]?.string, !TradevestValidation.isIBAN(iban) { problems.append(("creditorIban", "INVALID_FORMAT", "must be an IBAN")) }
                return (problems, [:])
            } process: { entity, state in
                let productID = entity.fields["customerProductId"]?.string ?? ""
                guard state.products[productID]?.status == "CREATED" else { return .invalid("customer product \(productID) is not active") }
                let amount = TradevestValidation.cents(entity.fields["amount"]) ?? 0
                guard state.balances[productID, default: 0] >= amount else { return .rejectedLater("insufficient funds") }
                state.balances[productID, default: 0] -= amount
                TradevestProcessing.record(&state, product: productID, cents: -amount, type: "SEPA_OUT", reference: entity.fields["reference"]?.string)
                return .created
            }
        }
        api.post("transfers-test/incoming-transfer") { request, _ in
            let body = try await TradevestValidation.body(request)
            var problems = TradevestValidation.required(body, ["customerProductId"])
            let amount = TradevestValidation.cents(body["amount"])
            if amount == nil { problems.append(("amount", "INVALID_AMOUNT", "must be more than 0 with at most two decimals")) }
            if let reference = body["reference"]?.string, reference.count > 140 { problems.append(("reference", "TOO_LONG", "at most 140 characters")) }
            guard problems.isEmpty else { throw TradevestError.validation(problems) }
            let productID = body["customerProductId"]?.string ?? ""
            try store.state.withLock { state throws(TradevestError) in
                guard state.products[productID]?.status == "CREATED" else { throw TradevestError.notFound("active customer product", productID) }
                state.balances[productID, default: 0] += amount!
                TradevestProcessing.record(&state, product: productID, cents: amount!, type: "SEPA_IN", reference: body["reference"]?.string)
            }
            return Response(status: .accepted)
        }
    }

    // MARK: Webhooks

    func addWebhooks(to api: API) {
        api.get("webhooks") { _, _ in
            let list = store.state.withLock { state in state.webhooks.values.sorted { $0.eventType < $1.eventType } }
            return Response.json(JSONValue.array(list.map(TradevestNotifications.json)).encoded())
        }
        api.post("webhooks") { request, _ in
            let body = try await TradevestValidation.body(request)
            var problems = TradevestValidation.required(body, ["eventType", "url"])
            let eventType = body["eventType"]?.string ?? ""
            if !eventType.isEmpty, !TradevestNotifications.eventTypes.contains(eventType) {
                problems.append(("eventType", "UNKNOWN", "must be one of \(TradevestNotifications.eventTypes.joined(separator: ", "))"))
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
            return Response.json(TradevestNotifications.json(webhook).encoded(), status: .created)
        }
        api.get("webhooks/:eventType") { _, context in
            let eventType = context.parameters.get("eventType") ?? ""
            guard let webhook = store.state.withLock({ $0.webhooks[eventType] }) else { throw TradevestError.notFound("webhook for", eventType) }
            return Response.json(TradevestNotifications.json(webhook).encoded())
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
            return Response.json(JSONValue.array(TradevestNotifications.eventTypes.filter { !registered.contains($0) }.map { .string($0) }).encoded())
        }
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
}
