// A Particeep wallet: a user's balance in one currency, moved only by cash-in, cash-out and
// transfers, each recorded as a transaction.
import PayrunFormats

struct ParticeepWallet: ParticeepRecord {
    static let kind = "wallet"
    static let idPrefix = "wal"
    static let fields = ["id", "created_at", "user_id", "currency", "balance"]
    static let searchedFields = ["id", "user_id"]

    var id: String
    var createdAt: Int
    var userID: String
    var currency: String
    /// Minor units; never negative.
    var balance = 0
    var custom: JSONValue? = .object([:])
    var other: [String: JSONValue] = [:]

    init(id: String, createdAt: Int, userID: String, currency: String) {
        self.id = id
        self.createdAt = createdAt
        self.userID = userID
        self.currency = currency
    }

    /// A wallet from the body of `PUT /wallet`; the caller checks that the user exists.
    init(id: String, createdAt: Int, fields: ParticeepFields) throws(ParticeepError) {
        var fields = fields
        try fields.refuse("id", "created_at", "balance")
        guard case .some(.some(let userID)) = try fields.string("user_id") else { throw fields.missing("user_id") }
        guard let currency = try fields.currency() else { throw fields.missing("currency") }
        self.init(id: id, createdAt: createdAt, userID: userID, currency: currency)
        if let custom = try fields.custom() { self.custom = custom }
        other = fields.members
    }

    func ownField(_ name: String) -> JSONValue? {
        switch name {
        case "user_id": .string(userID)
        case "currency": .string(currency)
        case "balance": .integer(balance)
        default: nil
        }
    }

    func writeOwnFields(to json: inout JSONWriter) {
        json.field("user_id", userID)
        json.field("currency", currency)
        json.field("balance", balance)
    }
}
