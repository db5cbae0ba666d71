// What is wrong with a provider definition: the file, the field, what was expected.

/// A provider definition that cannot be used.
public struct DefinitionError: Error, Sendable, CustomStringConvertible {
    public let file: String
    /// The field's path in the returned table (`auth.message[2]`); empty for the file as a whole.
    public let field: String
    public let message: String

    public init(file: String, field: String, message: String) {
        self.file = file
        self.field = field
        self.message = message
    }

    /// `providers/acme.lua: auth.kind: expected one of …, got "berer"`, or
    /// `providers/acme.lua:3: '}' expected …` for Lua's own message, which starts with the line.
    public var description: String {
        if !field.isEmpty { return "\(file): \(field): \(message)" }
        let startsWithLine = message.prefix { $0 != ":" }.allSatisfy(\.isASCIIDigit) && message.first?.isASCIIDigit == true
        return startsWithLine ? "\(file):\(message)" : "\(file): \(message)"
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
