// Tables and metatables, read and written raw: no metamethod runs, so nothing here can call
// script code or raise (beyond running out of memory, which the host's allowance prevents
// while a Swift function runs). A lazy table (LuaTableFiller.swift) is filled before its
// entries or metatable are read.
import CLua
import CLuaShims

extension LuaStack {
    // MARK: Making tables

    /// Pushes a new, empty table with room for `arrayCapacity` elements and `fieldCapacity`
    /// other fields (a hint, as `lua_createtable` takes it).
    @inlinable
    public func pushTable(arrayCapacity: Int = 0, fieldCapacity: Int = 0) {
        lua_createtable(L, Int32(clamping: arrayCapacity), Int32(clamping: fieldCapacity))
    }

    // MARK: Elements and entries

    /// Pops the value on top into element `position` of the table at `table`, raw.
    @inlinable
    public func setElement(_ position: Int, in table: Int32) {
        lua_rawseti(L, table, lua_Integer(position))
    }

    /// Pushes element `position` of the table at `table`, raw, and returns its type.
    @inlinable @discardableResult
    public func pushElement(_ position: Int, of table: Int32) -> LuaType {
        LuaType(rawValue: lua_rawgeti(L, table, lua_Integer(position))) ?? .nil
    }

    /// Pops a key and the value above it into the table at `table`, raw.
    /// - Throws: ``LuaError`` for a nil or NaN key, which Lua would raise for (through Swift);
    ///   the key and value are popped all the same.
    @inlinable
    public func setEntry(in table: Int32) throws(LuaError) {
        let keyType = lua_type(L, -2)
        if _slowPath(keyType == LUA_TNIL || keyType == LUA_TNUMBER && lua_tonumberx(L, -2, nil).isNaN) {
            pop(2)
            throw LuaError(.runtime, keyType == LUA_TNIL ? "index is nil" : "index is NaN")
        }
        lua_rawset(L, table)
    }

    /// Replaces the key on top with the table at `table`'s value for it, raw, and returns the
    /// value's type.
    @inlinable @discardableResult
    public func getEntry(in table: Int32) -> LuaType {
        fillIfLazy(table)
        return LuaType(rawValue: lua_rawget(L, table)) ?? .nil
    }

    /// The raw length of the value at `index`: a table's border (`#t` without `__len`), a
    /// string's bytes, a userdata's size; 0 for anything else.
    public func rawLength(at index: Int32) -> Int {
        Int(lua_rawlen(L, index))
    }

    /// Calls `body` with the stack indexes of each key and value of the table at `table`, in
    /// `next`'s order. `body` may push and pop freely: the stack is put back after each entry.
    /// It must not convert the key in place (``bytes(at:)`` on a number key does; use
    /// ``string(at:)`` or ``describe(at:)``), and must not add keys to the table.
    public func forEachEntry<Failure: Error>(
        of table: Int32, _ body: (_ key: Int32, _ value: Int32) throws(Failure) -> Void
    ) throws(Failure) {
        let table = lua_absindex(L, table)
        fillIfLazy(table)
        let base = top
        guard lua_checkstack(L, 3) != 0 else { return }
        lua_pushnil(L)  // stack: ... nil (the first key)
        while lua_next(L, table) != 0 {  // stack: ... key value
            do {
                try body(base + 1, base + 2)
            } catch {
                top = base
                throw error
            }
            top = base + 1  // stack: ... key
        }
    }

    // MARK: Metatables

    /// Pushes the metatable of the value at `index`; false, and nothing pushed, when it has none.
    public func pushMetatable(of index: Int32) -> Bool {
        fillIfLazy(index)
        return lua_getmetatable(L, index) != 0
    }

    /// Pops a table (or nil) and makes it the metatable of the value at `index`, raw: a
    /// `__metatable` field does not protect against this.
    @inlinable
    public func setMetatable(of index: Int32) {
        let index = lua_absindex(L, index)
        lua_setmetatable(L, index)
    }

    /// Pushes the field `name` of the metatable of the value at `index`, raw; false (and nothing
    /// pushed) when there is no metatable or no such field.
    public func pushField(_ name: String, ofMetatableAt index: Int32) -> Bool {
        fillIfLazy(index)
        guard lua_checkstack(L, 3) != 0, lua_getmetatable(L, index) != 0 else { return false }
        let found = pushField(name, of: -1) != .nil
        luashim_remove(L, -2)  // stack: ... field
        if !found { pop() }
        return found
    }

    /// Whether the values at `first` and `second` are the same value, without `__eq`.
    public func rawEquals(_ first: Int32, _ second: Int32) -> Bool {
        lua_rawequal(L, first, second) != 0
    }

    /// Pushes the global table.
    public func pushGlobals() {
        lua_rawgeti(L, luashim_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
    }
}
