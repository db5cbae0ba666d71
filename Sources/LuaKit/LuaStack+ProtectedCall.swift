// The one way Swift calls into Lua: protected, with a traceback, and with the script's
// memory cap back in force for as long as Lua code runs.
import CLua
import CLuaShims

extension LuaStack {
    /// Calls the function below the `argumentCount` values on top of the stack, in protected
    /// mode. On success the results replace the function and arguments (`resultCount` of them,
    /// or all with `nil`); on failure the function and arguments are gone and the error is thrown.
    ///
    /// - Returns: the number of results pushed.
    /// - Throws: ``LuaError`` with the message and a traceback of where the error was raised.
    @discardableResult
    public func protectedCall(argumentCount: Int32, resultCount: Int32? = nil) throws(LuaError) -> Int32 {
        let function = top - argumentCount
        try reserve(3)
        luashim_pushcfunction(L, luashim_messagehandler)
        luashim_insert(L, function)  // stack: ... handler function arguments...
        let status = runningScriptCode(on: L) { luashim_pcall(L, argumentCount, resultCount ?? LUA_MULTRET, function) }
        if status == LUA_OK {
            luashim_remove(L, function)  // stack: ... results...
            return top - function + 1
        }
        // stack: ... handler error
        // The traceback first: converting the error may run script code that makes another.
        luashim_lasttraceback(L)  // stack: ... handler error traceback
        let traceback = type(at: -1) == .string ? describe(at: -1) : nil
        pop()
        var error = takeError(status: status, at: -1)
        error.traceback = LuaError.tidied(traceback)
        top = function - 1
        throw error
    }

    /// Pushes a message handler for `xpcall` in Lua code that catches an error only to raise the
    /// same value again: the error keeps the traceback of where it was first raised, rather
    /// than one from the raise again, which has lost the frames below it.
    public func pushTracebackKeeper() {
        luashim_pushcfunction(L, luashim_keeptraceback)
    }

    /// Builds a ``LuaError`` from the error value at `index`, and keeps the value for a Swift
    /// function that may rethrow it.
    func takeError(status: Int32, at index: Int32) -> LuaError {
        takeError(kind: LuaError.Kind(status: status), at: index)
    }

    /// Builds a ``LuaError`` of `kind` from the error value at `index`, keeping the value as
    /// ``takeError(status:at:)`` does.
    func takeError(kind: LuaError.Kind, at index: Int32) -> LuaError {
        let index = lua_absindex(L, index)
        let message: String
        var described = true
        switch type(at: index) {
        case .string, .number:
            message = describe(at: index)
        case _ where lua_checkstack(L, 2) != 0 && luaL_getmetafield(L, index, "__tostring") != LUA_TNIL:
            pop()
            message = describe(at: index)
        default:
            message = "(error object is a \(type(at: index)) value)"
            described = false
        }
        var error = LuaError(kind, message)
        if type(at: index) == .table {
            let fields = scalarFields(of: index)
            error.fields = fields
            // `error({code = "E1", reason = "…"})`: what it says, not only that it is a table.
            if !described, !fields.isEmpty {
                let shown = fields.keys.sorted().map { "\($0) = \(fields[$0]!.shown)" }
                error.message = "(error object is a table value: " + shown.joined(separator: ", ") + ")"
            }
        }
        error.pending = keepForRethrow(at: index)
        return error
    }

    /// The string-keyed scalar fields of the table at `index`, read raw.
    private func scalarFields(of index: Int32) -> [String: LuaScalar] {
        var fields: [String: LuaScalar] = [:]
        forEachEntry(of: index) { key, value in
            guard let name = string(at: key) else { return }
            switch type(at: value) {
            case .boolean: fields[name] = .boolean(boolean(at: value))
            case .number: fields[name] = integer(at: value).map(LuaScalar.integer) ?? .number(number(at: value)!)
            case .string: fields[name] = string(at: value).map(LuaScalar.string)
            default: break
            }
        }
        return fields
    }

    /// Keeps the value at `index` in the registry while a Swift function runs, so rethrowing
    /// the error re-raises this same value.
    private func keepForRethrow(at index: Int32) -> PendingError? {
        let host = luashim_gethost(L)!
        guard host.pointee.swift_depth > 0, lua_checkstack(L, 3) != 0 else { return nil }
        if lua_rawgetp(L, luashim_registryindex(), luashim_pendingerrorskey()) != LUA_TTABLE {
            pop()
            lua_createtable(L, 4, 0)
            lua_pushvalue(L, -1)
            lua_rawsetp(L, luashim_registryindex(), luashim_pendingerrorskey())
        }
        // stack: ... pending
        host.pointee.pending_errors = 1
        host.pointee.last_error_token += 1
        let token = lua_Integer(host.pointee.last_error_token)
        lua_pushvalue(L, index)
        lua_rawseti(L, -2, token)
        pop()
        return PendingError(host: UInt(bitPattern: host), token: token)
    }

    /// Pushes the error value kept for `pending`, if it belongs to this state and is still kept.
    func pushKeptError(_ pending: PendingError) -> Bool {
        let host = luashim_gethost(L)!
        guard pending.host == UInt(bitPattern: host), lua_checkstack(L, 2) != 0 else { return false }
        guard lua_rawgetp(L, luashim_registryindex(), luashim_pendingerrorskey()) == LUA_TTABLE else {
            pop()
            return false
        }
        guard lua_rawgeti(L, -1, pending.token) != LUA_TNIL else {
            pop(2)
            return false
        }
        luashim_remove(L, -2)  // stack: ... error
        return true
    }
}

extension LuaStack {
    /// A traceback of this thread (a coroutine that raised, where it raised), or nil when one
    /// cannot be made.
    func traceback() -> String? {
        let main = owner.stack
        guard lua_checkstack(main.L, 2) != 0 else { return nil }
        let status = luashim_traceback(main.L, L, nil, 0)  // main: ... traceback (or an error)
        defer { main.pop() }
        return status == LUA_OK ? main.describe(at: -1) : nil
    }
}

extension LuaStack {
    /// Compiles `source` as a text chunk named `chunkName` and pushes it as a function.
    /// - Throws: ``LuaError`` of kind `.syntax` naming the chunk, line and what was expected.
    public func load(_ source: String, chunkName: String) throws(LuaError) {
        let bytes = Array(source.utf8)
        let status = bytes.withUnsafeBufferPointer { buffer in
            luaL_loadbufferx(L, UnsafeRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self), buffer.count, chunkName, "t")
        }
        guard status == LUA_OK else {
            let error = takeError(status: status, at: -1)
            pop()
            throw error
        }
    }
}
