// The types a Lua value can have, as `lua_type` reports them.
import CLua

/// The type of a Lua value, with the names `type()` gives them.
public enum LuaType: Int32, Sendable, CustomStringConvertible {
    /// No value: an argument that was not passed, or an index above the stack's top.
    case none = -1
    case `nil` = 0
    case boolean = 1
    case lightUserdata = 2
    case number = 3
    case string = 4
    case table = 5
    case function = 6
    case userdata = 7
    case thread = 8

    /// The name Lua uses: `"nil"`, `"number"`, `"userdata"` (for light userdata too), `"no value"`.
    public var description: String {
        switch self {
        case .none: "no value"
        case .nil: "nil"
        case .boolean: "boolean"
        case .lightUserdata, .userdata: "userdata"
        case .number: "number"
        case .string: "string"
        case .table: "table"
        case .function: "function"
        case .thread: "thread"
        }
    }
}
