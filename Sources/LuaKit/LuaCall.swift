// What a Swift function bound to Lua sees of its call: its arguments, checked as lauxlib does.
import CLua
import CLuaShims

/// One call of a Swift function from Lua. Read the arguments with the `checked` accessors — they
/// throw the standard argument errors — push results on ``stack``, and return their count.
///
/// A call is only valid while its function runs; do not keep it.
public struct LuaCall {
    /// The stack of the thread the function runs on (a coroutine's, inside one).
    public let stack: LuaStack
    /// The stack index below the first argument.
    let base: Int32

    init(stack: LuaStack, base: Int32) {
        self.stack = stack
        self.base = base
    }

    private var L: OpaquePointer { stack.L }

    /// How many arguments were passed.
    public var argumentCount: Int { Int(lua_gettop(L) - base) }

    /// The stack index of argument `position` (counting from 1).
    public func index(of position: Int) -> Int32 { base + Int32(position) }

    /// The type of argument `position`; `.none` when it was not passed.
    public func type(at position: Int) -> LuaType {
        position > argumentCount ? .none : stack.type(at: index(of: position))
    }

    /// Whether argument `position` is nil or was not passed.
    public func isNoneOrNil(_ position: Int) -> Bool {
        let type = type(at: position)
        return type == .none || type == .nil
    }

    // MARK: Checked arguments

    /// Argument `position` as text; a number is converted, as `luaL_checkstring` does.
    /// Bytes that are not UTF-8 are replaced with U+FFFD.
    public func string(at position: Int) throws(LuaArgumentError) -> String {
        try withBytes(at: position) { String(decoding: $0, as: UTF8.self) }
    }

    /// Argument `position` as bytes; a number is converted, as `luaL_checklstring` does.
    public func bytes(at position: Int) throws(LuaArgumentError) -> [UInt8] {
        try withBytes(at: position) { Array($0) }
    }

    /// Calls `body` with argument `position`'s bytes, without copying them.
    public func withBytes<Result>(
        at position: Int, _ body: (UnsafeRawBufferPointer) throws(LuaArgumentError) -> Result
    ) throws(LuaArgumentError) -> Result {
        let type = type(at: position)
        guard type == .string || type == .number, let bytes = stack.bytes(at: index(of: position)) else {
            throw .type(at: position, expected: "string")
        }
        return try body(bytes)
    }

    /// Argument `position` as an integer; a float or string with an exact integer value is
    /// converted, as `luaL_checkinteger` does.
    public func integer(at position: Int) throws(LuaArgumentError) -> Int {
        var isInteger: Int32 = 0
        let value = position > argumentCount ? 0 : lua_tointegerx(L, index(of: position), &isInteger)
        if isInteger != 0 { return Int(value) }
        if type(at: position) == .number || lua_isnumber(L, index(of: position)) != 0 && type(at: position) == .string {
            throw .invalid(at: position, "number has no integer representation")
        }
        throw .type(at: position, expected: "number")
    }

    /// Argument `position` as a number; a numeric string is converted, as `luaL_checknumber` does.
    public func number(at position: Int) throws(LuaArgumentError) -> Double {
        var isNumber: Int32 = 0
        let value = position > argumentCount ? 0 : lua_tonumberx(L, index(of: position), &isNumber)
        guard isNumber != 0 else { throw .type(at: position, expected: "number") }
        return value
    }

    /// Argument `position`'s truth, as Lua sees it: only nil and false are false.
    public func boolean(at position: Int) -> Bool {
        position <= argumentCount && lua_toboolean(L, index(of: position)) != 0
    }

    /// Throws unless argument `position` has type `type`.
    public func check(_ type: LuaType, at position: Int) throws(LuaArgumentError) {
        guard self.type(at: position) == type else { throw .type(at: position, expected: type.description) }
    }

    /// Throws unless argument `position` was passed (nil counts), as `luaL_checkany` does.
    public func checkAny(at position: Int) throws(LuaArgumentError) {
        guard type(at: position) != .none else { throw .invalid(at: position, "value expected") }
    }

    // MARK: Optional arguments

    public func optionalString(at position: Int) throws(LuaArgumentError) -> String? {
        isNoneOrNil(position) ? nil : try string(at: position)
    }

    public func optionalInteger(at position: Int) throws(LuaArgumentError) -> Int? {
        isNoneOrNil(position) ? nil : try integer(at: position)
    }

    public func optionalNumber(at position: Int) throws(LuaArgumentError) -> Double? {
        isNoneOrNil(position) ? nil : try number(at: position)
    }

    /// Argument `position` copied into Swift (nil when not passed).
    public func value(at position: Int) throws(LuaError) -> LuaValue {
        position > argumentCount ? .nil : try stack.value(at: index(of: position))
    }

    // MARK: Results

    /// Pushes `values` and returns them as the call's results.
    public func returning(_ values: LuaValue...) throws(LuaError) -> LuaReturn {
        try stack.push(values)
        return .values(values.count)
    }
}
