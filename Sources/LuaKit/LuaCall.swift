// What a Swift function bound to Lua sees of its call: its arguments, checked as lauxlib does.
import CLua
import CLuaShims

/// One call of a Swift function from Lua. Read the arguments with the `checked` accessors — they
/// throw the standard argument errors — push results on ``stack``, and return their count.
///
/// A call is only valid while its function runs; do not keep it. Read the arguments before
/// pushing results: a position past the arguments reads what was pushed there.
public struct LuaCall {
    /// The stack of the thread the function runs on (a coroutine's, inside one).
    public let stack: LuaStack
    /// The stack index below the first argument.
    @usableFromInline let base: Int32

    init(stack: LuaStack, base: Int32) {
        self.stack = stack
        self.base = base
    }

    /// Whether Lua accepts `position`'s index even if no argument is there (it then reads as
    /// none). On a first call a C function may index up to `LUA_MINSTACK` slots past its
    /// arguments, which spares the hot path a `lua_gettop`.
    @inlinable @inline(__always)
    func isAcceptable(_ position: Int) -> Bool {
        position >= 1 && (base == 0 && position <= Int(LUA_MINSTACK) || position <= argumentCount)
    }

    @usableFromInline var L: OpaquePointer { stack.unsafeState }

    /// How many arguments were passed.
    @inlinable
    public var argumentCount: Int { Int(lua_gettop(L) - base) }

    /// The stack index of argument `position` (counting from 1).
    @inlinable
    public func index(of position: Int) -> Int32 { base + Int32(position) }

    /// The type of argument `position`; `.none` when it was not passed.
    @inlinable
    public func type(at position: Int) -> LuaType {
        isAcceptable(position) ? stack.type(at: index(of: position)) : .none
    }

    /// Whether argument `position` is nil or was not passed.
    @inlinable
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
    @inlinable @inline(__always)
    public func integer(at position: Int) throws(LuaArgumentError) -> Int {
        var isInteger: Int32 = 0
        let value = isAcceptable(position) ? lua_tointegerx(L, index(of: position), &isInteger) : 0
        if _fastPath(isInteger != 0) { return Int(value) }
        throw integerError(at: position)
    }

    @usableFromInline
    func integerError(at position: Int) -> LuaArgumentError {
        if type(at: position) == .number || type(at: position) == .string && lua_isnumber(L, index(of: position)) != 0 {
            return .invalid(at: position, "number has no integer representation")
        }
        return .type(at: position, expected: "number")
    }

    /// Argument `position` as a number; a numeric string is converted, as `luaL_checknumber` does.
    @inlinable
    public func number(at position: Int) throws(LuaArgumentError) -> Double {
        var isNumber: Int32 = 0
        let value = isAcceptable(position) ? lua_tonumberx(L, index(of: position), &isNumber) : 0
        guard isNumber != 0 else { throw .type(at: position, expected: "number") }
        return value
    }

    /// Argument `position`'s truth, as Lua sees it: only nil and false are false.
    @inlinable
    public func boolean(at position: Int) -> Bool {
        isAcceptable(position) && lua_toboolean(L, index(of: position)) != 0
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

    /// Argument `position` copied into Swift (nil when not passed).
    public func value(at position: Int) throws(LuaError) -> LuaValue {
        position > argumentCount ? .nil : try stack.value(at: index(of: position))
    }

    /// Whether the function was called from a Lua function (not from a chunk's main body, a
    /// C or Swift function, or the host): how strict globals tell a missing `local` inside a
    /// function from a global the script sets up at its top level.
    public var isCalledFromLuaFunction: Bool {
        var caller = lua_Debug()
        guard lua_getstack(L, 1, &caller) != 0, lua_getinfo(L, "S", &caller) != 0, let what = caller.what else { return false }
        return String(cString: what) == "Lua"
    }

    // MARK: Calling back into Lua

    /// Calls the function at argument `position` with the arguments from `firstArgument` to the
    /// last (none if nil), in protected mode, and leaves its results on the stack. Rethrowing
    /// the error makes Lua raise the very same value, as if the error had passed through a C
    /// function untouched.
    ///
    /// Lua cannot yield across this call (as with `lua_pcall` from a C function): a yield inside
    /// raises "attempt to yield across a C-call boundary".
    /// - Returns: the number of results pushed.
    public func callFunction(at position: Int, argumentsFrom firstArgument: Int? = nil) throws(LuaError) -> Int {
        let arguments = firstArgument.map { Array($0..<max($0, argumentCount + 1)) } ?? []
        try reserve(1 + arguments.count)
        stack.pushCopy(of: index(of: position))
        for argument in arguments { stack.pushCopy(of: index(of: argument)) }
        return Int(try stack.protectedCall(argumentCount: Int32(arguments.count)))
    }

    private func reserve(_ count: Int) throws(LuaError) { try stack.reserve(count) }

    /// An error that raises argument `position`'s value itself, as `error(value, 0)` does.
    public func error(raising position: Int) -> some LuaRaisable {
        RaisedValue(index: index(of: position))
    }

    // MARK: Results

    /// Yields the `count` values on top of the stack to whoever resumed the coroutine. When it
    /// is resumed, `continuation` runs with the resumed values as its arguments and finishes the
    /// call; without one, the resumed values are the call's results. Outside a coroutine Lua
    /// raises "attempt to yield from outside a coroutine", as it does for a C function.
    ///
    /// Return what this returns: `return try call.yield(1) { resumed in ... }`.
    public func yield(_ count: Int, then continuation: LuaFunctionBody? = nil) throws(LuaError) -> LuaReturn {
        try stack.reserve(3)
        if let continuation {
            let box = Unmanaged.passRetained(LuaFunctionBox(continuation)).toOpaque()
            luashim_pushcontinuation(L, luaKitEntry, luaKitRelease, box)
        } else {
            stack.pushNil()
        }
        luashim_insert(L, stack.top - Int32(count))  // stack: ... continuation values...
        return LuaReturn(count: Int32(count), yields: true)
    }
}

/// Raises a value already on the stack.
private struct RaisedValue: LuaRaisable {
    let index: Int32

    func push(onto stack: LuaStack) {
        stack.pushCopy(of: index)
    }
}
