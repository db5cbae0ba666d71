// Lua strings are byte strings; this keeps them as bytes until someone asks for text.

/// The bytes of a Lua string. Lua strings need not be UTF-8, so nothing is lost on the way
/// through Swift; `text` decodes them when they are.
public struct LuaString: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    public init(_ text: String) {
        self.bytes = Array(text.utf8)
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }

    /// The string as text, or nil if its bytes are not valid UTF-8.
    public var text: String? {
        String(validating: bytes, as: UTF8.self)
    }

    /// The string as text, with invalid UTF-8 replaced by U+FFFD.
    public var description: String {
        String(decoding: bytes, as: UTF8.self)
    }
}
