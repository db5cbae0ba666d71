// The Particeep simulator's state: users, transactions, wallets and webhooks, generated from a
// seed or read from a data file, and changed by the API's calls.
import PayrunLocks
import PayrunFormats

/// Everything the Particeep simulator knows, safe to use from any thread.
final class ParticeepStore: Sendable {
    struct State: Sendable {
        var users = ParticeepTable<ParticeepUser>()
        var transactions = ParticeepTable<ParticeepTransaction>()
        var wallets = ParticeepTable<ParticeepWallet>()
        var webhooks = ParticeepTable<ParticeepWebhook>()
        /// Wallet id → ids of the transactions that moved its balance, oldest first.
        var walletTransactions: [String: [String]] = [:]
        /// Requests served this "month": the `request-quota` header.
        var requestCount = 0
    }

    let state: Locked<State>

    init(_ state: State) {
        self.state = Locked(state)
    }

    /// The URL registered for `event`, if any.
    func webhookURL(for event: String) -> String? {
        state.withLock { state in
            // Few webhooks exist (one per event at most), so a scan is fine.
            state.webhooks.all.first { $0.name == event }?.url
        }
    }
}

extension ParticeepStore.State {
    /// The users with `email`, ignoring case (unique through the API; a data file may repeat one).
    func users(withEmail email: String) -> [ParticeepUser] {
        let wanted = email.lowercased()
        return Array(users.all.filter { $0.email.lowercased() == wanted })
    }

    /// Moves `amount` into, out of or between wallets as one SUCCEEDED transaction, refusing to
    /// overdraw or mix currencies.
    mutating func move(
        _ amount: Int, from source: String?, to target: String?, now: Int, custom: JSONValue?
    ) throws(ParticeepError) -> ParticeepTransaction {
        let from = try source.map { id throws(ParticeepError) in try wallet(id) }
        let to = try target.map { id throws(ParticeepError) in try wallet(id) }
        guard let currency = from?.currency ?? to?.currency else { throw .badRequest("a wallet is required") }
        if let from, let to, from.currency != to.currency {
            throw .badRequest(
                "wallet \(from.id) holds \(from.currency) and wallet \(to.id) holds \(to.currency); a transfer needs one currency",
                code: "error.wallet.currency.mismatch")
        }
        if let from, from.balance < amount {
            throw .badRequest(
                // Particeep's amounts are in cents: said so, not as if they were euros.
                "wallet \(from.id) holds \(from.balance) \(from.currency) cents, less than the \(amount) asked",
                code: "error.wallet.balance.insufficient")
        }
        var transaction = ParticeepTransaction(id: transactions.newID(), createdAt: now, amount: amount, currency: currency, status: .succeeded)
        transaction.issuerID = from?.userID
        transaction.recipientID = to?.userID
        transaction.issuerWalletID = from?.id
        transaction.recipientWalletID = to?.id
        if let custom { transaction.custom = custom }
        if let from {
            _ = try wallets.update(from.id) { $0.balance -= amount }
            walletTransactions[from.id, default: []].append(transaction.id)
        }
        if let to {
            _ = try wallets.update(to.id) { $0.balance += amount }
            walletTransactions[to.id, default: []].append(transaction.id)
        }
        transactions.insert(transaction)
        return transaction
    }

    private func wallet(_ id: String) throws(ParticeepError) -> ParticeepWallet {
        guard let wallet = wallets[id] else { throw .notFound("wallet", id) }
        return wallet
    }
}
