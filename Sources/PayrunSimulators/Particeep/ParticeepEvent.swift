// The events Particeep emits: one per PUT, POST or DELETE, named after the object and what
// happened to it, carrying the response of the request that caused it.
import PayrunFormats

enum ParticeepEvent {
    /// Every event name a webhook can subscribe to.
    static let names: Set<String> = [
        "user_created", "user_updated", "user_deleted",
        "transaction_created", "transaction_updated", "transaction_cancelled",
        "wallet_created", "wallet_cashin", "wallet_cashout", "wallet_transfer",
        "webhook_created", "webhook_updated", "webhook_deleted",
    ]

    /// A sample body for `event`, for `payrun sandbox trigger`, shaped like the real one.
    static func sample(_ event: String) -> [UInt8]? {
        guard names.contains(event) else { return nil }
        let now = UTCTime.now()
        switch event.split(separator: "_").first {
        case "user":
            return ParticeepUser(id: "usr_1", createdAt: now, email: "ada.lovelace@example.com", firstName: "Ada", lastName: "Lovelace").encoded()
        case "transaction":
            var transaction = ParticeepTransaction(id: "txn_1", createdAt: now, amount: 1250, currency: "EUR", status: .pending)
            if event == "transaction_cancelled" { transaction.status = .cancelled }
            transaction.issuerID = "usr_1"
            transaction.recipientID = "usr_2"
            return transaction.encoded()
        case "wallet":
            if event == "wallet_created" {
                return ParticeepWallet(id: "wal_1", createdAt: now, userID: "usr_1", currency: "EUR").encoded()
            }
            var transaction = ParticeepTransaction(id: "txn_1", createdAt: now, amount: 1250, currency: "EUR", status: .succeeded)
            transaction.issuerWalletID = event == "wallet_cashin" ? nil : "wal_1"
            transaction.recipientWalletID = event == "wallet_cashout" ? nil : "wal_2"
            return transaction.encoded()
        default:
            var writer = JSONWriter()
            writer.openObject()
            writer.field("id", "whk_1")
            writer.field("created_at", UTCTime.text(now))
            writer.field("name", "user_deleted")
            writer.field("url", "https://example.com/particeep")
            writer.closeObject()
            return writer.bytes
        }
    }
}
