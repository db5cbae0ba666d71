// Argument errors, raised by Lua in its standard form once the Swift function has returned.

/// A bad argument to a Swift function bound to Lua. Lua raises it as
/// `bad argument #1 to 'sign' (string expected, got nil)`; for a method, the number skips `self`.
public struct LuaArgumentError: Error, CustomStringConvertible {
    enum Problem: Sendable {
        /// `luaL_typeerror`: "<expected> expected, got <actual>".
        case type(expected: String)
        /// `luaL_argerror` with a message of the function's own.
        case message(String)
    }

    /// The argument's position, counting from 1.
    public let position: Int
    let problem: Problem

    /// An argument of the wrong type; Lua adds what it got (using `__name` for userdata).
    public static func type(at position: Int, expected: String) -> LuaArgumentError {
        LuaArgumentError(position: position, problem: .type(expected: expected))
    }

    /// An argument that is wrong for a reason of the function's own.
    public static func invalid(at position: Int, _ message: String) -> LuaArgumentError {
        LuaArgumentError(position: position, problem: .message(message))
    }

    /// What is wrong, without the argument's number: for a non-raising call's message.
    public var reason: String {
        switch problem {
        case .type(let expected): "\(expected) expected"
        case .message(let message): message
        }
    }

    public var description: String {
        switch problem {
        case .type(let expected): "bad argument #\(position) (\(expected) expected)"
        case .message(let message): "bad argument #\(position) (\(message))"
        }
    }
}
