// Reads the fields of a request body with the checks Particeep's errors describe: a wrong type or
// a missing required field is a 400 naming the field, never a 500.
import PayrunFormats

/// The members of a JSON object sent to create or change an object.
struct ParticeepFields {
    let kind: String
    var members: [String: JSONValue]

    init(kind: String, body: JSONValue) throws(ParticeepError) {
        guard case .object(let members) = body else {
            throw .badRequest("the body must be a JSON object, not \(body.typeName)")
        }
        self.kind = kind
        self.members = members
    }

    init(kind: String, members: [String: JSONValue]) {
        self.kind = kind
        self.members = members
    }

    /// Removes and returns `name`, which must be a string if present.
    mutating func string(_ name: String) throws(ParticeepError) -> String?? {
        guard let value = members.removeValue(forKey: name) else { return .none }
        switch value {
        case .null: return .some(nil)
        case .string(let text): return .some(text)
        default: throw invalid(name, "must be a string, not \(value.typeName)")
        }
    }

    /// Removes and returns `name`, which must be a positive integer (minor units) if present.
    mutating func amount(_ name: String) throws(ParticeepError) -> Int? {
        guard let value = members.removeValue(forKey: name) else { return nil }
        guard case .integer(let amount) = value, amount > 0 else {
            // An integer is the right type: what is wrong is its sign.
            let given = if case .integer(let amount) = value { String(amount) } else { value.typeName }
            throw invalid(name, "must be a positive integer in minor units (1250 for 12.50), not \(given)")
        }
        return amount
    }

    /// Removes and returns `custom`, which must be an object if present.
    mutating func custom() throws(ParticeepError) -> JSONValue? {
        guard let value = members.removeValue(forKey: "custom") else { return nil }
        guard case .object = value else { throw invalid("custom", "must be a JSON object, not \(value.typeName)") }
        return value
    }

    /// Removes and returns a three-letter currency code if present.
    mutating func currency() throws(ParticeepError) -> String? {
        guard let text = try string("currency") else { return nil }
        guard let code = text, code.utf8.count == 3, code.utf8.allSatisfy({ (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }) else {
            throw invalid("currency", "must be an ISO 4217 code such as EUR")
        }
        return code
    }

    /// Refuses fields the server sets itself.
    mutating func refuse(_ names: String...) throws(ParticeepError) {
        for name in names where members[name] != nil {
            throw invalid(name, "is set by the server and cannot be sent")
        }
    }

    func invalid(_ name: String, _ problem: String) -> ParticeepError {
        .badRequest("\(kind).\(name) \(problem)", code: "error.\(kind).\(name).invalid")
    }

    func missing(_ name: String) -> ParticeepError {
        .badRequest("\(kind).\(name) is required", code: "error.\(kind).\(name).required")
    }
}
