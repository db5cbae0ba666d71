// The Particeep endpoints (providers.md §1): PUT creates, POST /{id} updates, DELETE deletes, GET
// reads and searches. Every change is answered with the object and sent as an event.
import Hummingbird
import PayrunFormats

struct ParticeepRoutes: Sendable {
    typealias API = RouterGroup<SimulatorContext>
    typealias Table<Record: ParticeepRecord> = WritableKeyPath<ParticeepStore.State, ParticeepTable<Record>> & Sendable

    let store: ParticeepStore
    let configuration: ParticeepSimulator.Configuration
    let webhooks: WebhookDispatcher

    func addUsers(to api: API) {
        addSearch(api, \.users, filterable: ["email", "first_name", "last_name"])
        api.get("user/email/:email") { _, context in
            let email = context.parameters.get("email") ?? ""
            let found = store.state.withLock { state in
                state.users(withEmail: email).first
            }
            guard let found else { throw ParticeepError(status: .notFound, technicalCode: "error.user.none", message: "no user with email \(email)") }
            return Response.json(found.encoded())
        }
        api.get("user") { request, _ in
            guard let ids = request.uri.queryParameters.get("ids"), !ids.isEmpty else {
                throw ParticeepError.badRequest("ids is required, e.g. GET /user?ids=usr_1,usr_2; to list users use GET /user/search")
            }
            let users = store.state.withLock { $0.users.json(ids: ids.split(separator: ",").map(String.init)) }
            return Response.json(Self.list(users))
        }
        addRead(api, \.users)
        addCreate(api, \.users) { fields, state throws(ParticeepError) in
            let user = try ParticeepUser(id: "", createdAt: UTCTime.now(), fields: fields)
            try Self.checkEmailFree(user.email, in: state, except: nil)
            return user
        }
        addUpdate(api, \.users) { user, changes, state throws(ParticeepError) in
            var user = user
            try user.apply(changes)
            try Self.checkEmailFree(user.email, in: state, except: user.id)
            return user
        }
        addDelete(api, \.users)
    }

    func addTransactions(to api: API) {
        addSearch(
            api, \.transactions,
            filterable: ["status", "currency", "issuer_id", "recipient_id", "amount", "issuer_wallet_id", "recipient_wallet_id"])
        addRead(api, \.transactions)
        addCreate(api, \.transactions) { fields, state throws(ParticeepError) in
            let transaction = try ParticeepTransaction(id: "", createdAt: UTCTime.now(), fields: fields)
            try Self.checkUsers(of: transaction, in: state)
            return transaction
        }
        addUpdate(api, \.transactions) { transaction, changes, state throws(ParticeepError) in
            var transaction = transaction
            try transaction.apply(changes)
            try Self.checkUsers(of: transaction, in: state)
            return transaction
        }
        api.delete("transaction/:id/cancel") { _, context in
            let id = context.parameters.get("id") ?? ""
            let transaction = try store.state.withLock { state throws(ParticeepError) in
                let cancelled = try state.transactions.update(id) { transaction throws(ParticeepError) in
                    guard transaction.status == .pending else {
                        throw .badRequest(
                            "only a PENDING transaction can be cancelled; \(id) is \(transaction.status.rawValue)",
                            code: "error.transaction.status.transition")
                    }
                    transaction.status = .cancelled
                }
                guard let cancelled else { throw ParticeepError.notFound("transaction", id) }
                return cancelled
            }
            return emit("transaction_cancelled", transaction.encoded())
        }
    }

    func addWallets(to api: API) {
        addSearch(api, \.wallets, filterable: ["user_id", "currency"])
        api.post("wallet/transfer") { request, _ in
            var fields = try await Self.fields(of: request, kind: "transfer")
            guard case .some(.some(let from)) = try fields.string("issuer_wallet_id") else { throw fields.missing("issuer_wallet_id") }
            guard case .some(.some(let to)) = try fields.string("recipient_wallet_id") else { throw fields.missing("recipient_wallet_id") }
            guard from != to else { throw fields.invalid("recipient_wallet_id", "must differ from issuer_wallet_id") }
            return try move(&fields, from: from, to: to, event: "wallet_transfer")
        }
        addRead(api, \.wallets)
        addCreate(api, \.wallets) { fields, state throws(ParticeepError) in
            let wallet = try ParticeepWallet(id: "", createdAt: UTCTime.now(), fields: fields)
            guard state.users[wallet.userID] != nil else {
                throw .badRequest("user_id \(wallet.userID) is not a user", code: "error.user.none")
            }
            return wallet
        }
        api.post("wallet/:id/cashin") { request, context in
            var fields = try await Self.fields(of: request, kind: "cashin")
            return try move(&fields, from: nil, to: context.parameters.get("id"), event: "wallet_cashin")
        }
        api.post("wallet/:id/cashout") { request, context in
            var fields = try await Self.fields(of: request, kind: "cashout")
            return try move(&fields, from: context.parameters.get("id"), to: nil, event: "wallet_cashout")
        }
        api.get("wallet/:id/transactions") { request, context in
            let id = context.parameters.get("id") ?? ""
            var search = try ParticeepSearch(request.uri.queryParameters, filterable: [], searchedFields: [])
            search.sortBy = nil
            let (total, page) = try store.state.withLock { state throws(ParticeepError) in
                guard state.wallets[id] != nil else { throw ParticeepError.notFound("wallet", id) }
                let ids = state.walletTransactions[id] ?? []
                return (ids.count, state.transactions.json(ids: ids.dropFirst(search.offset).prefix(search.limit)))
            }
            return Response.json(Self.page(total: total, page))
        }
    }

    func addWebhooks(to api: API) {
        addSearch(api, \.webhooks, filterable: ["name", "url"])
        addRead(api, \.webhooks)
        addCreate(api, \.webhooks) { fields, state throws(ParticeepError) in
            let webhook = try ParticeepWebhook(id: "", createdAt: UTCTime.now(), fields: fields)
            try Self.checkOneURLPerEvent(webhook, in: state)
            return webhook
        }
        addUpdate(api, \.webhooks) { old, fields, state throws(ParticeepError) in
            let webhook = try ParticeepWebhook(id: old.id, createdAt: old.createdAt, fields: fields, replacing: old)
            try Self.checkOneURLPerEvent(webhook, in: state)
            return webhook
        }
        addDelete(api, \.webhooks)
    }

    // MARK: - Shared shapes

    private func addSearch<Record: ParticeepRecord>(_ api: API, _ table: Table<Record>, filterable: [String]) {
        let store = self.store
        api.get("\(Record.kind)/search") { request, _ in
            let search = try ParticeepSearch(
                request.uri.queryParameters, filterable: filterable, searchedFields: Record.searchedFields, filterValues: Record.filterValues)
            let (total, page) = try store.state.withLock { state throws(ParticeepError) in
                let (total, positions) = try state[keyPath: table].page(search)
                return (total, state[keyPath: table].json(at: positions))
            }
            return Response.json(Self.page(total: total, page))
        }
    }

    private func addRead<Record: ParticeepRecord>(_ api: API, _ table: Table<Record>) {
        let store = self.store
        api.get("\(Record.kind)/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let record = store.state.withLock({ $0[keyPath: table][id] }) else { throw ParticeepError.notFound(Record.kind, id) }
            return Response.json(record.encoded())
        }
    }

    /// `PUT /kind`: `make` builds and checks the object (the store gives it its id), which is
    /// answered and sent as `kind_created`.
    private func addCreate<Record: ParticeepRecord>(
        _ api: API, _ table: Table<Record>,
        _ make: @escaping @Sendable (ParticeepFields, ParticeepStore.State) throws(ParticeepError) -> Record
    ) {
        let store = self.store
        api.put("\(Record.kind)") { request, _ in
            let fields = try await Self.fields(of: request, kind: Record.kind)
            let record = try store.state.withLock { state throws(ParticeepError) in
                var record = try make(fields, state)
                record.id = state[keyPath: table].newID()
                state[keyPath: table].insert(record)
                return record
            }
            return emit("\(Record.kind)_created", record.encoded())
        }
    }

    /// `POST /kind/{id}`: `change` returns the object changed and checked, which replaces it, is
    /// answered and sent as `kind_updated`.
    private func addUpdate<Record: ParticeepRecord>(
        _ api: API, _ table: Table<Record>,
        _ change: @escaping @Sendable (Record, ParticeepFields, ParticeepStore.State) throws(ParticeepError) -> Record
    ) {
        let store = self.store
        api.post("\(Record.kind)/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            let changes = try await Self.fields(of: request, kind: Record.kind)
            let record = try store.state.withLock { state throws(ParticeepError) in
                guard let old = state[keyPath: table][id] else { throw ParticeepError.notFound(Record.kind, id) }
                let changed = try change(old, changes, state)
                _ = try state[keyPath: table].update(id) { $0 = changed }
                return changed
            }
            return emit("\(Record.kind)_updated", record.encoded())
        }
    }

    private func addDelete<Record: ParticeepRecord>(_ api: API, _ table: Table<Record>) {
        api.delete("\(Record.kind)/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let removed = store.state.withLock({ $0[keyPath: table].remove(id) }) else { throw ParticeepError.notFound(Record.kind, id) }
            return emit("\(Record.kind)_deleted", removed.encoded())
        }
    }

    /// A wallet movement: `amount` and optional `custom` from the body, answered with the transaction.
    private func move(_ fields: inout ParticeepFields, from: String?, to: String?, event: String) throws -> Response {
        guard let amount = try fields.amount("amount") else { throw fields.missing("amount") }
        let custom = try fields.custom()
        if let unknown = fields.members.keys.sorted().first {
            throw fields.invalid(unknown, "is not understood here (amount, custom\(event == "wallet_transfer" ? ", issuer_wallet_id, recipient_wallet_id" : ""))")
        }
        let transaction = try store.state.withLock { state throws(ParticeepError) in
            try state.move(amount, from: from, to: to, now: UTCTime.now(), custom: custom)
        }
        return emit(event, transaction.encoded())
    }

    /// Sends `event` to its webhook, if one is registered, and answers with the same JSON.
    private func emit(_ event: String, _ body: [UInt8]) -> Response {
        if let url = store.webhookURL(for: event) ?? configuration.webhooksTo.map({ $0 + "/webhooks/particeep" }),
            let message = ParticeepSimulator.webhook(event: event, url: url, body: body, key: configuration.apiKey, secret: configuration.apiSecret)
        {
            webhooks.send(message)
        }
        return Response.json(body)
    }

    static func fields(of request: Request, kind: String) async throws -> ParticeepFields {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        do {
            return try ParticeepFields(kind: kind, body: JSONValue.parse(buffer.readableBytesView))
        } catch let error as JSONParseError {
            throw ParticeepError.badRequest("the body is not JSON: \(error.description)", code: "error.json.invalid")
        }
    }

    private static func checkEmailFree(_ email: String, in state: ParticeepStore.State, except id: String?) throws(ParticeepError) {
        let taken = state.users(withEmail: email).first { $0.id != id }
        if let taken {
            throw .badRequest("user \(taken.id) already has the email \(email)", code: "error.user.email.exists")
        }
    }

    private static func checkUsers(of transaction: ParticeepTransaction, in state: ParticeepStore.State) throws(ParticeepError) {
        for (field, id) in [("issuer_id", transaction.issuerID), ("recipient_id", transaction.recipientID)] {
            if let id, state.users[id] == nil {
                throw .badRequest("transaction.\(field) \(id) is not a user", code: "error.user.none")
            }
        }
    }

    private static func checkOneURLPerEvent(_ webhook: ParticeepWebhook, in state: ParticeepStore.State) throws(ParticeepError) {
        let existing = state.webhooks.all.first { $0.name == webhook.name && $0.id != webhook.id }
        if let existing {
            throw .badRequest(
                "webhook \(existing.id) already sends \(webhook.name); one URL per event: change it with POST /webhook/\(existing.id)",
                code: "error.webhook.name.exists")
        }
    }

    /// `{"total_size": N, "data": [...]}` around records' JSON.
    static func page(total: Int, _ records: [[UInt8]]) -> [UInt8] {
        var writer = JSONWriter(capacity: 64 + records.reduce(0) { $0 + $1.count + 1 })
        writer.openObject()
        writer.field("total_size", total)
        writer.key("data")
        writer.openArray()
        for record in records { writer.raw(record) }
        writer.closeArray()
        writer.closeObject()
        return writer.bytes
    }

    /// A JSON array of records' JSON.
    static func list(_ records: [[UInt8]]) -> [UInt8] {
        var writer = JSONWriter(capacity: 2 + records.reduce(0) { $0 + $1.count + 1 })
        writer.openArray()
        for record in records { writer.raw(record) }
        writer.closeArray()
        return writer.bytes
    }
}
