// Single stack slots: reading a value where it lies without converting it, the values only the
// host makes (light userdata, sentinels), and moving slots about.
import CLua
import CLuaShims

extension LuaStack {
    // MARK: Reading without conversion

    /// The integer at `index` if it is a number of integer subtype; nil otherwise (floats and
    /// numeric strings included: nothing is converted).
    @inlinable
    public func integer(at index: Int32) -> Int? {
        lua_isinteger(L, index) != 0 ? Int(lua_tointegerx(L, index, nil)) : nil
    }

    /// The number at `index` as a float if it is a number of either subtype; nil otherwise.
    @inlinable
    public func number(at index: Int32) -> Double? {
        lua_type(L, index) == LUA_TNUMBER ? lua_tonumberx(L, index, nil) : nil
    }

    /// Whether the value at `index` is a number of integer subtype.
    @inlinable
    public func isInteger(at index: Int32) -> Bool {
        lua_isinteger(L, index) != 0
    }

    /// The value at `index`'s truth, as Lua sees it: only nil and false are false.
    @inlinable
    public func boolean(at index: Int32) -> Bool {
        lua_toboolean(L, index) != 0
    }

    /// The string at `index` as text (invalid UTF-8 replaced with U+FFFD); nil for any other
    /// type. Numbers are not converted, so a ``forEachEntry(of:_:)`` key stays valid.
    public func string(at index: Int32) -> String? {
        guard lua_type(L, index) == LUA_TSTRING else { return nil }
        return bytes(at: index).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The address of the table, function, thread or userdata at `index`: its identity while
    /// it lives (for finding cycles and labelling objects); nil for other values.
    @inlinable
    public func identity(at index: Int32) -> UnsafeRawPointer? {
        lua_topointer(L, index)
    }

    // MARK: Host values

    /// Pushes a light userdata: a bare pointer, equal to any other light userdata with the
    /// same address (a marker a host recognises).
    public func push(lightUserdata pointer: UnsafeMutableRawPointer?) {
        lua_pushlightuserdata(L, pointer)
    }

    /// The pointer of the light userdata at `index`, or nil for anything else.
    public func lightUserdata(at index: Int32) -> UnsafeMutableRawPointer? {
        lua_type(L, index) == LUA_TLIGHTUSERDATA ? lua_touserdata(L, index) : nil
    }

    /// Pushes a new full userdata of no size: a value equal only to itself, for a sentinel
    /// such as `json.null`. Give it a metatable to name it.
    public func pushSentinel() {
        _ = lua_newuserdatauv(L, 0, 0)
    }

    // MARK: Moving slots

    /// The absolute index of `index` (a negative index counts from the top).
    @inlinable
    public func absoluteIndex(_ index: Int32) -> Int32 {
        lua_absindex(L, index)
    }

    /// Moves the value on top to `index`, shifting the values above it up.
    public func insert(at index: Int32) {
        luashim_insert(L, index)
    }

    /// Removes the value at `index`, shifting the values above it down.
    public func remove(at index: Int32) {
        luashim_remove(L, index)
    }

    /// Pops the value on top into `index`, replacing what was there.
    public func replace(at index: Int32) {
        luashim_replace(L, index)
    }
}
