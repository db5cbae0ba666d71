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

    /// `providers/acme.lua: auth.kind: expected one of …, got "berer"`.
    public var description: String {
        field.isEmpty ? "\(file): \(message)" : "\(file): \(field): \(message)"
    }
}
