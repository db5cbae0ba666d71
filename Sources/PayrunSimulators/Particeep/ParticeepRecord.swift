// What the Particeep store needs from each kind of object it keeps.

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

    var id: String { get }
    /// Seconds since 1970, shown as `created_at` in ISO 8601.
    var createdAt: Int { get }

    /// The field as the API shows it, for filters and `sort_by`; nil when the object has none.
    func field(_ name: String) -> JSONValue?
    /// The object's JSON, as every endpoint returns it.
    func write(to json: inout JSONWriter)
}

extension ParticeepRecord {
    /// The object's JSON text.
    func encoded() -> [UInt8] {
        var writer = JSONWriter()
        write(to: &writer)
        return writer.bytes
    }
}
