// JSON as a Swift value: what the simulators keep of what clients send, and what providers read
// of responses. Integers stay integers.

/// A JSON value, kept exactly as a client sent it (integers stay integers).
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    /// A number a double cannot hold as written (an integer past 64 bits, more digits than a
    /// double keeps), kept as its JSON text: Lua gets it as a `payrun.decimal`, and it is written
    /// back digit for digit, so an amount never loses digits on its way through.
    case exactNumber(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var integer: Int? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// Parses JSON text.
    /// - Throws: `JSONParseError` saying where the text stops being JSON.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        try JSONTape.parse(bytes).root.value
    }

    /// ``parse(_:)``, every number with a fraction or an exponent kept as written
    /// (``exactNumber(_:)``): a body sent on goes out with the digits it was given (`12.50`,
    /// `-0.00`), not as a double would write them.
    public static func parseKeepingNumberText(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        try JSONTape.parse(bytes, keepingNumberText: true).root.value
    }

    /// Compact JSON text with sorted keys.
    public func encoded() -> [UInt8] {
        var writer = JSONWriter()
        writer.value(self)
        return writer.bytes
    }

    /// A short name for the value's type, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer: "an integer"
        case .number, .exactNumber: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
