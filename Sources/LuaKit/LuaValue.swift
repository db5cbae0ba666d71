// A Lua value moved into Swift, or one Swift is about to hand to Lua.

/// A Lua value as Swift holds it.
///
/// Scalars and tables are copied: a table becomes `.array` when its keys are exactly `1...n`
/// (the empty table included) and `.dictionary` otherwise, and goes back to Lua as a new table.
/// Functions, full userdata and threads stay in Lua and are held by a ``LuaReference``.
public enum LuaValue: Hashable {
    case `nil`
    case boolean(Bool)
    case integer(Int)
    case number(Double)
    case string(LuaString)
    case array([LuaValue])
    case dictionary([LuaValue: LuaValue])
    case function(LuaReference)
    case userdata(LuaReference)
    case lightUserdata(UnsafeMutableRawPointer?)
    case thread(LuaReference)

    /// The Lua type of the value (`.array` and `.dictionary` are both tables).
    public var type: LuaType {
        switch self {
        case .nil: .nil
        case .boolean: .boolean
        case .integer, .number: .number
        case .string: .string
        case .array, .dictionary: .table
        case .function: .function
        case .userdata: .userdata
        case .lightUserdata: .lightUserdata
        case .thread: .thread
        }
    }

    /// The string's text, if this is a string of valid UTF-8.
    public var text: String? {
        if case .string(let string) = self { return string.text }
        return nil
    }

    /// The integer, if this is an integer or a float with an exact integer value, as Lua converts.
    public var integer: Int? {
        switch self {
        case .integer(let value): value
        case .number(let value): Int(exactly: value)
        default: nil
        }
    }
}

extension LuaValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .nil }
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(LuaString(value)) }
    public init(arrayLiteral elements: LuaValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (LuaValue, LuaValue)...) {
        self = .dictionary(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension LuaValue {
    /// A string value holding `text` as UTF-8.
    public init(_ text: String) { self = .string(LuaString(text)) }
}
