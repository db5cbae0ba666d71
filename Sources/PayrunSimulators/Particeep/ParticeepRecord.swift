// What the Particeep store needs from each kind of object it keeps.
import PayrunFormats

/// One kind of Particeep object: users, transactions, wallets, webhooks.
protocol ParticeepRecord: Sendable {
    /// The path segment, the event prefix and the middle of error codes: `user` in `/user/{id}`,
    /// `user_deleted` and `error.user.none`.
    static var kind: String { get }
    /// Generated ids are this prefix, `_` and a number: `usr_12`.
    static var idPrefix: String { get }
    /// The fields every object of this kind shows (besides `custom` and ones it was given).
    static var fields: [String] { get }
    /// Fields `global_search` looks in.
    static var searchedFields: [String] { get }
    /// The values a filter takes, for filters with a fixed set (`status`): another value is a
    /// 400, not a search that finds nothing.
    static var filterValues: [String: [String]] { get }

    /// Set by the store when the API creates the object.
    var id: String { get set }
    /// Seconds since 1970, shown as `created_at` in ISO 8601.
    var createdAt: Int { get }
    /// `custom`, kept as given, for the kinds that have it.
    var custom: JSONValue? { get }
    /// Fields Particeep has that the simulator keeps without interpreting (birthday, address, …).
    var other: [String: JSONValue] { get }

    /// One of this kind's own fields (not id, created_at or custom), or nil.
    func ownField(_ name: String) -> JSONValue?
    /// This kind's own fields, written between `created_at` and `custom`.
    func writeOwnFields(to json: inout JSONWriter)
}

extension ParticeepRecord {
    static var filterValues: [String: [String]] { [:] }

    /// The field as the API shows it, for filters and `sort_by`; nil when the object has none.
    func field(_ name: String) -> JSONValue? {
        switch name {
        case "id": .string(id)
        case "created_at": .string(UTCTime.text(createdAt))
        case "custom": custom
        default: ownField(name) ?? other[name]
        }
    }

    /// The object's JSON, as every endpoint returns it.
    func write(to json: inout JSONWriter) {
        json.openObject()
        json.field("id", id)
        json.field(time: "created_at", createdAt)
        writeOwnFields(to: &json)
        if let custom { json.field("custom", custom) }
        for name in other.keys.sorted() { json.field(name, other[name]!) }
        json.closeObject()
    }

    /// The object's JSON text.
    func encoded() -> [UInt8] {
        var writer = JSONWriter()
        write(to: &writer)
        return writer.bytes
    }
}
