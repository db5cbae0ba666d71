// Fills the Particeep store from the `particeep` member of a `--data` file: the same checks as the
// API's creates, but ids, creation times, statuses and balances may be given.
import PayrunFormats

enum ParticeepDataFile {
    /// `{"users": [...], "transactions": [...], "wallets": [...], "webhooks": [...]}`.
    /// - Throws: `SimulatorError` naming the record, e.g. `particeep.transactions[3]`, and the problem.
    static func load(_ data: JSONValue) throws(SimulatorError) -> ParticeepStore.State {
        guard case .object(let sections) = data else { throw SimulatorError(description: "particeep: must be an object") }
        for name in sections.keys where !["users", "transactions", "wallets", "webhooks"].contains(name) {
            throw SimulatorError(description: "particeep.\(name): unknown; the sections are users, transactions, wallets and webhooks")
        }
        var state = ParticeepStore.State()
        try each(sections["users"], "users") { id, createdAt, fields throws(ParticeepError) in
            let user = try ParticeepUser(id: id ?? state.users.newID(), createdAt: createdAt, fields: fields)
            guard state.users.insert(user) else { throw .badRequest("id \(user.id) is used twice") }
        }
        try each(sections["wallets"], "wallets") { id, createdAt, fields throws(ParticeepError) in
            var fields = fields
            let balance = fields.members.removeValue(forKey: "balance")
            var wallet = try ParticeepWallet(id: id ?? state.wallets.newID(), createdAt: createdAt, fields: fields)
            guard state.users[wallet.userID] != nil else { throw .badRequest("user_id \(wallet.userID) is not a user in the file") }
            if let balance {
                guard case .integer(let amount) = balance, amount >= 0 else { throw .badRequest("balance must be an integer of at least 0") }
                wallet.balance = amount
            }
            guard state.wallets.insert(wallet) else { throw .badRequest("id \(wallet.id) is used twice") }
        }
        try each(sections["transactions"], "transactions") { id, createdAt, fields throws(ParticeepError) in
            var fields = fields
            var status = ParticeepTransaction.Status.pending
            if case .some(.some(let text)) = try fields.string("status") {
                guard let given = ParticeepTransaction.Status(rawValue: text) else { throw fields.invalid("status", "must be PENDING, SUCCEEDED, REFUNDED or CANCELLED") }
                status = given
            }
            let transaction = try ParticeepTransaction(id: id ?? state.transactions.newID(), createdAt: createdAt, fields: fields, status: status)
            guard state.transactions.insert(transaction) else { throw .badRequest("id \(transaction.id) is used twice") }
        }
        try each(sections["webhooks"], "webhooks") { id, createdAt, fields throws(ParticeepError) in
            let webhook = try ParticeepWebhook(id: id ?? state.webhooks.newID(), createdAt: createdAt, fields: fields)
            guard state.webhooks.insert(webhook) else { throw .badRequest("id \(webhook.id) is used twice") }
        }
        return state
    }

    /// Calls `add` with each record's id, creation time and other fields.
    private static func each(
        _ section: JSONValue?, _ name: String,
        _ add: (String?, Int, ParticeepFields) throws(ParticeepError) -> Void
    ) throws(SimulatorError) {
        guard let section else { return }
        guard case .array(let records) = section else { throw SimulatorError(description: "particeep.\(name): must be an array") }
        let kind = String(name.dropLast())
        for (index, record) in records.enumerated() {
            do throws(ParticeepError) {
                var fields = try ParticeepFields(kind: kind, body: record)
                let id = try fields.string("id").flatMap { $0 }
                var createdAt = UTCTime.now()
                if case .some(.some(let text)) = try fields.string("created_at") {
                    guard let seconds = UTCTime.seconds(from: text) else {
                        throw fields.invalid("created_at", "must be like 2015-10-19T11:04:18Z")
                    }
                    createdAt = seconds
                }
                try add(id, createdAt, fields)
            } catch {
                throw SimulatorError(description: "particeep.\(name)[\(index)]: \(error.message)")
            }
        }
    }
}
