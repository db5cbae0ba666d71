// A Particeep user: the fields scripts filter on are typed, anything else is kept as sent.
import PayrunFormats

struct ParticeepUser: ParticeepRecord {
    static let kind = "user"
    static let idPrefix = "usr"
    static let fields = ["id", "created_at", "email", "first_name", "last_name"]
    static let searchedFields = ["first_name", "last_name", "email"]

    var id: String
    var createdAt: Int
    var email: String
    var firstName: String?
    var lastName: String?
    var custom: JSONValue? = .object([:])
    var other: [String: JSONValue] = [:]

    init(id: String, createdAt: Int, email: String, firstName: String?, lastName: String?) {
        self.id = id
        self.createdAt = createdAt
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
    }

    /// A user from the body of `PUT /user`.
    init(id: String, createdAt: Int, fields: ParticeepFields) throws(ParticeepError) {
        var fields = fields
        guard case .some(.some(let email)) = try fields.string("email") else { throw fields.missing("email") }
        self.init(id: id, createdAt: createdAt, email: "", firstName: nil, lastName: nil)
        fields.members["email"] = .string(email)
        try apply(fields)
    }

    /// The changes of `POST /user/{id}`.
    mutating func apply(_ changes: ParticeepFields) throws(ParticeepError) {
        var changes = changes
        try changes.refuse("id", "created_at")
        switch try changes.string("email") {
        case .some(.some(let email)):
            guard email.contains("@") else { throw changes.invalid("email", "must be an email address") }
            self.email = email
        case .some(.none): throw changes.invalid("email", "cannot be removed")
        case .none: break
        }
        if let first = try changes.string("first_name") { firstName = first }
        if let last = try changes.string("last_name") { lastName = last }
        if let custom = try changes.custom() { self.custom = custom }
        other.merge(changes.members) { $1 }
    }

    func ownField(_ name: String) -> JSONValue? {
        switch name {
        case "email": .string(email)
        case "first_name": firstName.map(JSONValue.string)
        case "last_name": lastName.map(JSONValue.string)
        default: nil
        }
    }

    func writeOwnFields(to json: inout JSONWriter) {
        json.field("email", email)
        json.field("first_name", firstName)
        json.field("last_name", lastName)
    }
}
