// A Particeep webhook: an event name and the one URL its events are POSTed to.
import PayrunFormats

struct ParticeepWebhook: ParticeepRecord {
    static let kind = "webhook"
    static let idPrefix = "whk"
    static let fields = ["id", "created_at", "name", "url"]
    static let searchedFields = ["name", "url"]

    var id: String
    var createdAt: Int
    var name: String
    var url: String
    var custom: JSONValue? { nil }
    var other: [String: JSONValue] { [:] }

    /// A webhook from the body of `PUT /webhook`, or changed by `POST /webhook/{id}`.
    init(id: String, createdAt: Int, fields: ParticeepFields, replacing old: ParticeepWebhook? = nil) throws(ParticeepError) {
        var fields = fields
        try fields.refuse("id", "created_at")
        let name = try fields.string("name")
        let url = try fields.string("url")
        self.id = id
        self.createdAt = createdAt
        guard let name = name.flatMap({ $0 }) ?? old?.name else { throw fields.missing("name") }
        guard let url = url.flatMap({ $0 }) ?? old?.url else { throw fields.missing("url") }
        guard ParticeepEvent.names.contains(name) else {
            throw fields.invalid("name", "must be the name of an event, such as user_deleted; '\(name)' is not one")
        }
        guard url.hasPrefix("https://") || url.hasPrefix("http://"), url.count > 8 else {
            throw fields.invalid("url", "must be an http:// or https:// URL")
        }
        if let unknown = fields.members.keys.sorted().first {
            throw fields.invalid(unknown, "is not a field of a webhook (name, url)")
        }
        self.name = name
        self.url = url
    }

    func ownField(_ name: String) -> JSONValue? {
        switch name {
        case "name": .string(self.name)
        case "url": .string(url)
        default: nil
        }
    }

    func writeOwnFields(to json: inout JSONWriter) {
        json.field("name", name)
        json.field("url", url)
    }
}
