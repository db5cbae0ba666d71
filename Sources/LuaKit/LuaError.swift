// The one error type for everything that goes wrong inside Lua.
import CLua
import CLuaShims

/// An error raised in Lua, or while loading a chunk, seen from Swift.
public struct LuaError: Error, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A runtime error: `error(...)`, a failed operation, or a Swift function that threw.
        case runtime
        /// A chunk that does not compile; the message names chunk, line and what was expected.
        case syntax
        /// The state's allocator refused memory (its limit was reached).
        case memory
        /// The message handler itself failed.
        case messageHandler
        /// A value Swift cannot take over or hand to Lua (a cycle, a stack overflow).
        case conversion
    }

    public var kind: Kind
    /// The error as Lua would print it: `script.lua:3: boom`.
    public var message: String
    /// `stack traceback:` and its lines, when the error was raised in a protected call.
    public var traceback: String?
    /// When the error value is a table (a structured error, such as a provider's): its fields
    /// with string keys and scalar values, so a host can read the code and status it carries.
    public var fields: [String: LuaScalar]?
    /// Where the original error value is kept, so a Swift function that rethrows this error
    /// re-raises the very same value (a table stays that table), as a C function would.
    var pending: PendingError?

    public init(_ kind: Kind, _ message: String, traceback: String? = nil) {
        self.kind = kind
        self.message = message
        self.traceback = traceback
    }

    /// Whether the state's memory limit was reached: raised by the allocator, or rethrown as a
    /// message by code in between (a Swift function, a coroutine).
    public var isOutOfMemory: Bool {
        kind == .memory || message.hasSuffix("not enough memory")
    }

    /// A traceback as a reader wants it: Lua 5.4.4 names the function a generic `for` calls
    /// twice (`in for iterator 'for iterator'`).
    static func tidied(_ traceback: String?) -> String? {
        traceback?.replacing("in for iterator 'for iterator'", with: "in a for loop's iterator")
    }

    /// The message, then the traceback when there is one.
    public var description: String {
        guard let traceback else { return message }
        return message + "\n" + traceback
    }
}

/// A scalar Lua value, as a structured error's fields are copied out of Lua.
public enum LuaScalar: Sendable, Equatable {
    case boolean(Bool)
    case integer(Int)
    case number(Double)
    case string(String)

    /// As Lua source would write it: `"a string"`, `12`, `true`.
    var shown: String {
        switch self {
        case .boolean(let value): value ? "true" : "false"
        case .integer(let value): String(value)
        case .number(let value): String(value)
        case .string(let text): "\"" + text + "\""
        }
    }

    /// The text of a string.
    public var text: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The value of an integer.
    public var integer: Int? {
        if case .integer(let value) = self { return value }
        return nil
    }
}

/// An error value kept in the registry for a Swift function that may rethrow it.
struct PendingError: Sendable {
    /// The host record's address: which state the value belongs to.
    let host: UInt
    let token: lua_Integer
}

extension LuaError.Kind {
    init(status: Int32) {
        switch status {
        case LUA_ERRSYNTAX: self = .syntax
        case LUA_ERRMEM: self = .memory
        case LUA_ERRERR: self = .messageHandler
        default: self = .runtime
        }
    }
}
