// A Particeep transaction: an integer amount in minor units, a currency, a status that moves
// only the way payments do, and the users or wallets on each side.
import PayrunFormats

struct ParticeepTransaction: ParticeepRecord {
    static let kind = "transaction"
    static let idPrefix = "txn"
    static let fields = [
        "id", "created_at", "amount", "currency", "status", "issuer_id", "recipient_id", "issuer_wallet_id", "recipient_wallet_id",
    ]
    static let searchedFields = ["id", "issuer_id", "recipient_id"]
    static let filterValues = ["status": Status.allCases.map(\.rawValue)]

    enum Status: String, Sendable, CaseIterable {
        case pending = "PENDING"
        case succeeded = "SUCCEEDED"
        case refunded = "REFUNDED"
        case cancelled = "CANCELLED"

        /// PENDING settles or is cancelled; a settled payment can be refunded; the rest is final.
        func canBecome(_ next: Status) -> Bool {
            switch (self, next) {
            case (.pending, .succeeded), (.pending, .cancelled), (.succeeded, .refunded): true
            default: self == next
            }
        }
    }

    var id: String
    var createdAt: Int
    var amount: Int
    var currency: String
    var status: Status
    var issuerID: String?
    var recipientID: String?
    var issuerWalletID: String?
    var recipientWalletID: String?
    var custom: JSONValue? = .object([:])
    var other: [String: JSONValue] = [:]

    init(id: String, createdAt: Int, amount: Int, currency: String, status: Status) {
        self.id = id
        self.createdAt = createdAt
        self.amount = amount
        self.currency = currency
        self.status = status
    }

    /// A transaction from the body of `PUT /transaction`: PENDING unless a data file says otherwise.
    init(id: String, createdAt: Int, fields: ParticeepFields, status: Status = .pending) throws(ParticeepError) {
        var fields = fields
        guard let amount = try fields.amount("amount") else { throw fields.missing("amount") }
        guard let currency = try fields.currency() else { throw fields.missing("currency") }
        self.init(id: id, createdAt: createdAt, amount: amount, currency: currency, status: status)
        try apply(fields)
    }

    /// The changes of `POST /transaction/{id}`.
    mutating func apply(_ changes: ParticeepFields) throws(ParticeepError) {
        var changes = changes
        try changes.refuse("id", "created_at", "issuer_wallet_id", "recipient_wallet_id")
        if let amount = try changes.amount("amount") { self.amount = amount }
        if let currency = try changes.currency() { self.currency = currency }
        if let text = try changes.string("status") {
            guard let text, let next = Status(rawValue: text) else {
                throw changes.invalid("status", "must be one of \(Status.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard status.canBecome(next) else {
                throw .badRequest(
                    "a \(status.rawValue) transaction cannot become \(next.rawValue)",
                    code: "error.transaction.status.transition")
            }
            status = next
        }
        if let issuer = try changes.string("issuer_id") { issuerID = issuer }
        if let recipient = try changes.string("recipient_id") { recipientID = recipient }
        if let custom = try changes.custom() { self.custom = custom }
        other.merge(changes.members) { $1 }
    }

    func ownField(_ name: String) -> JSONValue? {
        switch name {
        case "amount": .integer(amount)
        case "currency": .string(currency)
        case "status": .string(status.rawValue)
        case "issuer_id": issuerID.map(JSONValue.string)
        case "recipient_id": recipientID.map(JSONValue.string)
        case "issuer_wallet_id": issuerWalletID.map(JSONValue.string)
        case "recipient_wallet_id": recipientWalletID.map(JSONValue.string)
        default: nil
        }
    }

    func writeOwnFields(to json: inout JSONWriter) {
        json.field("amount", amount)
        json.field("currency", currency)
        json.field("status", status.rawValue)
        json.field("issuer_id", issuerID)
        json.field("recipient_id", recipientID)
        json.field("issuer_wallet_id", issuerWalletID)
        json.field("recipient_wallet_id", recipientWalletID)
    }
}
