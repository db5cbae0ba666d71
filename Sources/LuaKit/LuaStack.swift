// The stack of one Lua thread, as Swift pushes to it and reads from it.
import CLua
import CLuaShims

/// The stack of one thread of a ``LuaState``: the main thread's, or a coroutine's while a Swift
/// function runs on it. Indices follow Lua: positive from the bottom, negative from the top.
///
/// Scalar pushes do not grow the stack: like a C function, a Swift function starts with room for
/// 20 values (`LUA_MINSTACK`), and ``reserve(_:)`` asks for more. Pushes of whole values and lists
/// reserve their own room.
public struct LuaStack: Hashable {
    /// The raw `lua_State*`, for code that needs Lua's C API directly. Never call an API function
    /// that can raise (`lua_error`, `luaL_check*`, `lua_gettable` with metamethods...) through it.
    public let unsafeState: OpaquePointer

    @inlinable
    public init(unsafeState: OpaquePointer) {
        self.unsafeState = unsafeState
    }

    @usableFromInline var L: OpaquePointer { unsafeState }

    /// Identifies a thread while it lives: a Sendable value a scheduler can keep.
    public struct ThreadID: Hashable, Sendable {
        let address: UInt
    }

    /// This stack's thread's identity.
    public var threadID: ThreadID { ThreadID(address: UInt(bitPattern: UnsafeRawPointer(L))) }

    /// The state this stack belongs to.
    public var owner: LuaState {
        Unmanaged<LuaState>.fromOpaque(luashim_gethost(L).pointee.owner).takeUnretainedValue()
    }

    // MARK: Size

    /// The index of the top value; 0 when the stack is empty.
    public var top: Int32 {
        get { lua_gettop(L) }
        nonmutating set { lua_settop(L, newValue) }
    }

    /// Makes room for `count` more values, or throws if the stack would pass Lua's limit.
    public func reserve(_ count: Int) throws(LuaError) {
        guard count <= Int(Int32.max), lua_checkstack(L, Int32(count)) != 0 else {
            throw LuaError(.conversion, "stack overflow (cannot make room for \(count) more values)")
        }
    }

    @inlinable
    public func pop(_ count: Int32 = 1) {
        luashim_pop(L, count)
    }

    @inlinable
    public func type(at index: Int32) -> LuaType {
        LuaType(rawValue: lua_type(L, index)) ?? .none
    }

    // MARK: Pushing

    @inlinable
    public func pushNil() { lua_pushnil(L) }
    @inlinable
    public func push(_ value: Bool) { lua_pushboolean(L, value ? 1 : 0) }
    @inlinable
    public func push(_ value: Int) { lua_pushinteger(L, lua_Integer(value)) }
    @inlinable
    public func push(_ value: Double) { lua_pushnumber(L, value) }

    public func push(_ value: String) {
        var value = value
        value.withUTF8 { text in
            _ = lua_pushlstring(L, text.baseAddress, text.count)
        }
    }

    @inlinable
    public func push(bytes: UnsafeRawBufferPointer) {
        _ = lua_pushlstring(L, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
    }

    public func push(_ value: LuaString) {
        value.bytes.withUnsafeBytes { push(bytes: $0) }
    }

    /// Pushes a copy of the value at `index`.
    @inlinable
    public func pushCopy(of index: Int32) { lua_pushvalue(L, index) }

    /// Pushes `value`, building new tables for `.array` and `.dictionary`.
    public func push(_ value: LuaValue) throws(LuaError) {
        try reserve(3)
        switch value {
        case .nil: pushNil()
        case .boolean(let value): push(value)
        case .integer(let value): push(value)
        case .number(let value): push(value)
        case .string(let value): push(value)
        case .lightUserdata(let pointer): lua_pushlightuserdata(L, pointer)
        case .function(let reference), .userdata(let reference), .thread(let reference):
            try reference.push(onto: L)
        case .array(let elements):
            lua_createtable(L, Int32(clamping: elements.count), 0)
            for (offset, element) in elements.enumerated() {
                try push(element)
                lua_rawseti(L, -2, lua_Integer(offset + 1))
            }
        case .dictionary(let entries):
            lua_createtable(L, 0, Int32(clamping: entries.count))
            for (key, element) in entries {
                // Lua refuses nil and NaN keys by raising, which must not happen from Swift.
                if key == .nil { continue }
                if case .number(let number) = key, number.isNaN {
                    throw LuaError(.conversion, "a table key cannot be NaN")
                }
                try push(key)
                try push(element)
                lua_rawset(L, -3)
            }
        }
    }

    /// Pushes each of `values` in order.
    public func push(_ values: [LuaValue]) throws(LuaError) {
        try reserve(values.count)
        for value in values { try push(value) }
    }

    /// Pushes a plain C function (one that follows Lua's rules for raising itself), as
    /// `lua_pushcfunction` does: for C code a host links, such as the benchmarks' references.
    public func push(cFunction: lua_CFunction) {
        luashim_pushcfunction(L, cFunction)
    }

    /// Pushes a Swift function as a Lua function. It lives as long as Lua holds it.
    public func push(function body: @escaping LuaFunctionBody) {
        let box = Unmanaged.passRetained(LuaFunctionBox(body)).toOpaque()
        luashim_pushfunction(L, luaKitEntry, luaKitRelease, box)
    }

    // MARK: Reading

    /// The string or number at `index` as bytes, without copying; nil for other types. A number
    /// is converted in place, as `lua_tolstring` does. The buffer lives while the value is on the stack.
    public func bytes(at index: Int32) -> UnsafeRawBufferPointer? {
        var length = 0
        guard let pointer = lua_tolstring(L, index, &length) else { return nil }
        return UnsafeRawBufferPointer(start: pointer, count: length)
    }

    /// The value at `index` copied into Swift.
    /// - Throws: ``LuaError`` of kind `.conversion` for a table that contains itself.
    public func value(at index: Int32) throws(LuaError) -> LuaValue {
        var visiting: [UnsafeRawPointer] = []
        return try value(at: lua_absindex(L, index), visiting: &visiting)
    }

    /// Tables nested deeper than this are refused rather than risking Swift's own stack.
    public static let maximumCopyDepth = 200

    private func value(at index: Int32, visiting: inout [UnsafeRawPointer]) throws(LuaError) -> LuaValue {
        switch type(at: index) {
        case .none, .nil:
            return .nil
        case .boolean:
            return .boolean(lua_toboolean(L, index) != 0)
        case .number:
            if lua_isinteger(L, index) != 0 { return .integer(Int(lua_tointegerx(L, index, nil))) }
            return .number(lua_tonumberx(L, index, nil))
        case .string:
            let buffer = bytes(at: index)!
            return .string(LuaString(bytes: Array(buffer)))
        case .lightUserdata:
            return .lightUserdata(lua_touserdata(L, index))
        case .table:
            return try tableValue(at: index, visiting: &visiting)
        case .function:
            return .function(try reference(to: index))
        case .userdata:
            return .userdata(try reference(to: index))
        case .thread:
            return .thread(try reference(to: index))
        }
    }

    private func tableValue(at index: Int32, visiting: inout [UnsafeRawPointer]) throws(LuaError) -> LuaValue {
        fillIfLazy(index)
        let identity = lua_topointer(L, index)!
        guard !visiting.contains(identity) else {
            throw LuaError(.conversion, "cannot copy a table that contains itself into Swift")
        }
        guard visiting.count < Self.maximumCopyDepth else {
            throw LuaError(.conversion, "cannot copy tables nested more than \(Self.maximumCopyDepth) levels deep into Swift")
        }
        visiting.append(identity)
        defer { visiting.removeLast() }
        try reserve(5)
        var entries: [(LuaValue, LuaValue)] = []
        var isSequence = true
        lua_pushnil(L)  // stack: ... nil (the first key)
        while lua_next(L, index) != 0 {  // stack: ... key value
            let key = try value(at: lua_gettop(L) - 1, visiting: &visiting)
            let element = try value(at: lua_gettop(L), visiting: &visiting)
            if case .integer(let position) = key, position >= 1 {} else { isSequence = false }
            entries.append((key, element))
            pop()  // stack: ... key
        }
        if isSequence {
            var elements = [LuaValue](repeating: .nil, count: entries.count)
            for (key, element) in entries {
                guard case .integer(let position) = key, position <= entries.count else {
                    isSequence = false
                    break
                }
                elements[position - 1] = element
            }
            if isSequence { return .array(elements) }
        }
        return .dictionary(Dictionary(entries, uniquingKeysWith: { first, _ in first }))
    }

    /// A reference that keeps the value at `index` alive.
    public func reference(to index: Int32) throws(LuaError) -> LuaReference {
        try reserve(2)
        lua_pushvalue(L, index)
        return LuaReference(owner: owner, popping: L)
    }

    /// The value at `index` as `tostring` would print it, calling `__tostring` or `__name`.
    public func describe(at index: Int32) -> String {
        switch type(at: index) {
        case .string:
            return String(decoding: bytes(at: index)!, as: UTF8.self)
        case .number:
            lua_pushvalue(L, index)  // a copy, since lua_tolstring turns a number into a string in place
            defer { pop() }
            return String(decoding: bytes(at: -1)!, as: UTF8.self)
        case .nil, .none:
            return "nil"
        case .boolean:
            return lua_toboolean(L, index) != 0 ? "true" : "false"
        default:
            guard lua_checkstack(L, 3) != 0 else { return type(at: index).description }
            let status = runningScriptCode(on: L) { luashim_tolstring(L, index) }
            defer { pop() }
            guard status == LUA_OK, let buffer = bytes(at: -1) else {
                return "(a \(type(at: index)) value whose __tostring failed)"
            }
            return String(decoding: buffer, as: UTF8.self)
        }
    }
}

extension LuaStack {
    /// Pushes the value at `index` converted as `tostring` does (`__tostring`, `__name`), or
    /// throws what the conversion raised, so a Swift `print` fails exactly as Lua's does.
    public func pushConvertedToString(at index: Int32) throws(LuaError) {
        try reserve(3)
        let status = runningScriptCode(on: L) { luashim_tolstring(L, index) }
        guard status == LUA_OK else {
            let error = takeError(status: status, at: -1)
            pop()
            throw error
        }
    }

    /// Whether the state has allocated more than its scripts may. Host code that builds large
    /// values (the host's pushes pass the cap) checks this to stop early.
    @inlinable
    public var isOverMemoryLimit: Bool {
        let host = luashim_gethost(L)!.pointee
        return host.limit != 0 && host.used > host.limit
    }
}

extension LuaStack {
    /// Pushes a new table holding `functions`, as `luaL_newlib` does for a C library.
    public func push(library functions: [LuaRegistration]) {
        lua_createtable(L, 0, Int32(functions.count))
        for function in functions {
            push(function: function.body)
            setField(function.name, in: -2)
        }
    }

    /// Pops the value on top and stores it in the table at `table` under `name`, raw (no
    /// `__newindex`).
    public func setField(_ name: String, in table: Int32) {
        let table = lua_absindex(L, table)
        push(name)
        luashim_insert(L, -2)  // stack: ... name value
        lua_rawset(L, table)
    }

    /// Pushes the table's value under `name`, raw (no `__index`), and returns its type.
    @discardableResult
    public func pushField(_ name: String, of table: Int32) -> LuaType {
        let table = lua_absindex(L, table)
        fillIfLazy(table)
        push(name)
        return LuaType(rawValue: lua_rawget(L, table)) ?? .nil
    }

    /// Pops the value on top into the registry under `name`; host libraries keep their shared
    /// values (sentinels, metatables) there, out of the scripts' reach.
    public func setRegistryValue(_ name: String) {
        setField(name, in: luashim_registryindex())
    }

    /// Pushes the registry's value under `name`.
    @discardableResult
    public func pushRegistryValue(_ name: String) -> LuaType {
        pushField(name, of: luashim_registryindex())
    }

    /// Pops the value on top into the registry under the address `key` (a static's, unique to
    /// its user): cheaper than a name for a value read on every call, no string to intern.
    public func setRegistryValue(forKey key: UnsafeRawPointer) {
        lua_rawsetp(L, luashim_registryindex(), key)
    }

    /// Pushes the registry's value under the address `key`.
    @discardableResult
    public func pushRegistryValue(forKey key: UnsafeRawPointer) -> LuaType {
        LuaType(rawValue: lua_rawgetp(L, luashim_registryindex(), key)) ?? .nil
    }
}

extension LuaStack {
    /// Pops the value on top into the global `name`, raw (no `__newindex`).
    public func setGlobal(_ name: String) {
        lua_rawgeti(L, luashim_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        luashim_insert(L, -2)  // stack: ... globals value
        setField(name, in: -2)
        pop()
    }
}

extension LuaStack {
    /// Pushes the global `name`, raw (no `__index`), and returns its type.
    @discardableResult
    public func pushGlobal(_ name: String) -> LuaType {
        lua_rawgeti(L, luashim_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        let type = pushField(name, of: -1)
        luashim_remove(L, -2)  // stack: ... value
        return type
    }
}
