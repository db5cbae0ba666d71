// The owner of one lua_State: opens it, closes it, and is the way in for Swift.
import CLua
import CLuaShims

/// One Lua state, open from `init` to `deinit`.
///
/// **Threads.** A state and everything made from it — references, coroutines, stacks — must be
/// used by one thread at a time. `LuaState` is not `Sendable`, so Swift 6 code cannot hand it to
/// another isolation domain by mistake; an owner that moves it (a runner on its own thread) is
/// responsible for not using it from two places at once.
///
/// **Errors.** Nothing Lua raises ever unwinds through Swift: Swift enters Lua only through
/// ``LuaStack/protectedCall(argumentCount:resultCount:)``, and Swift functions bound to Lua
/// report errors and yields to a C trampoline that raises them after the Swift code returned.
public final class LuaState {
    /// The main thread's `lua_State*`.
    public let handle: OpaquePointer
    let host: UnsafeMutablePointer<luashim_host>

    /// Opens an empty state (no standard libraries).
    /// - Parameter memoryLimit: the most the state's scripts may allocate, in bytes; nil for no cap.
    ///   Past it, the script gets "not enough memory" at its next instruction, with the line it
    ///   reached. Until then, and after it until the script is back under the limit, a sixteenth
    ///   of the limit more (at least 64 KiB) may be allocated; past that, and for strings the
    ///   libraries build in a `luaL_Buffer`, Lua raises the error inside the allocation, with no
    ///   line. The host's own pushes still succeed.
    public init(memoryLimit: Int? = nil) throws(LuaError) {
        host = .allocate(capacity: 1)
        host.initialize(to: luashim_host(
            used: 0, peak: 0, limit: memoryLimit.map { max($0, 1) } ?? 0, host_allowance: 1,
            swift_depth: 0, pending_errors: 0, last_error_token: 0, owner: nil, stop: nil,
            refused_pending: 0, refused_block: nil, refused_size: 0, over_limit: 0))
        guard let handle = luashim_newstate(host) else {
            host.deallocate()
            throw LuaError(.memory, "cannot open a Lua state: out of memory")
        }
        self.handle = handle
        host.pointee.owner = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        luashim_closestate(handle)
        host.deallocate()
    }

    /// The main thread's stack.
    public var stack: LuaStack { LuaStack(unsafeState: handle) }

    /// The release of Lua that payrun was built against, e.g. `5.4.4`.
    public static let version = "\(LUA_VERSION_MAJOR).\(LUA_VERSION_MINOR).\(LUA_VERSION_RELEASE)"

    // MARK: Memory

    /// Bytes the state has allocated now.
    public var memoryInUse: Int { host.pointee.used }
    /// The most bytes the state has had allocated at once.
    public var peakMemory: Int { host.pointee.peak }
    /// The cap on what scripts may allocate, in bytes; nil for none.
    public var memoryLimit: Int? {
        get { host.pointee.limit == 0 ? nil : host.pointee.limit }
        set { host.pointee.limit = newValue.map { max($0, 1) } ?? 0 }
    }

    // MARK: Libraries

    /// Opens standard libraries into the global table.
    public func open(_ libraries: [LuaStandardLibrary]) throws(LuaError) {
        for library in libraries {
            let status = luashim_openlibrary(handle, library.rawValue)
            if status != LUA_OK {
                let error = stack.takeError(status: status, at: -1)
                stack.pop()
                throw error
            }
        }
    }

    // MARK: Globals

    /// Sets the global `name` (raw: the global table's metatable is not consulted).
    public func setGlobal(_ name: String, _ value: LuaValue) throws(LuaError) {
        try stack.push(value)
        stack.setGlobal(name)
    }

    /// Sets the global `name` to a Swift function.
    public func setGlobal(_ name: String, function body: @escaping LuaFunctionBody) {
        stack.push(function: body)
        stack.setGlobal(name)
    }

    /// The global `name` (raw), copied into Swift.
    public func global(_ name: String) throws(LuaError) -> LuaValue {
        try stack.reserve(2)
        stack.pushGlobal(name)
        defer { stack.pop() }
        return try stack.value(at: -1)
    }

    /// Makes a table of Swift functions and sets it as the global `name`, as `luaL_newlib` and
    /// `luaL_setfuncs` would for a C library. Returns a reference to the table.
    @discardableResult
    public func register(library name: String, _ functions: [LuaRegistration]) -> LuaReference {
        stack.push(library: functions)
        lua_pushvalue(handle, -1)
        stack.setGlobal(name)
        return LuaReference(owner: self, popping: handle)
    }

    /// Runs a full garbage collection, in protected mode: a finaliser's error or a memory error
    /// is thrown, never raised through Swift.
    public func collectGarbage() throws(LuaError) {
        try stack.reserve(1)
        luashim_pushcfunction(handle, luashim_collectgarbage)
        try stack.protectedCall(argumentCount: 0, resultCount: 0)
    }

    // MARK: Running code

    /// Compiles `source` as a text chunk (binary chunks are refused) and returns it as a function.
    /// - Parameter chunkName: `@file.lua` for a file (messages say `file.lua:3:`), `=name` for a
    ///   literal name.
    /// - Throws: ``LuaError`` of kind `.syntax` naming the chunk, line and what was expected.
    public func load(_ source: some Collection<UInt8>, chunkName: String) throws(LuaError) -> LuaReference {
        let status = source.withContiguousStorageIfAvailable { buffer in
            luaL_loadbufferx(handle, UnsafeRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self),
                             buffer.count, chunkName, "t")
        } ?? Array(source).withUnsafeBufferPointer { buffer in
            luaL_loadbufferx(handle, UnsafeRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self),
                             buffer.count, chunkName, "t")
        }
        guard status == LUA_OK else {
            let error = stack.takeError(status: status, at: -1)
            stack.pop()
            throw error
        }
        return LuaReference(owner: self, popping: handle)
    }

    /// Compiles `source` as a text chunk named `chunkName`.
    public func load(_ source: String, chunkName: String) throws(LuaError) -> LuaReference {
        try load(Array(source.utf8), chunkName: chunkName)
    }

    /// Calls `function` with `arguments` in protected mode and returns all its results.
    /// - Throws: ``LuaError`` with the message and traceback.
    public func call(_ function: LuaReference, _ arguments: [LuaValue] = []) throws(LuaError) -> [LuaValue] {
        let base = stack.top
        defer { stack.top = base }
        try stack.reserve(arguments.count + 1)
        try function.push(onto: handle)
        try stack.push(arguments)
        let count = try stack.protectedCall(argumentCount: Int32(arguments.count))
        var results: [LuaValue] = []
        results.reserveCapacity(Int(count))
        for index in 0..<count { results.append(try stack.value(at: base + 1 + index)) }
        return results
    }

    /// Calls `function` with `arguments` in protected mode for its effects, discarding any results
    /// (a script's main chunk: nothing it returns is copied into Swift).
    /// - Throws: ``LuaError`` with the message and traceback.
    public func execute(_ function: LuaReference, _ arguments: [LuaValue] = []) throws(LuaError) {
        let base = stack.top
        defer { stack.top = base }
        try stack.reserve(arguments.count + 1)
        try function.push(onto: handle)
        try stack.push(arguments)
        try stack.protectedCall(argumentCount: Int32(arguments.count), resultCount: 0)
    }

    /// Compiles and runs `source`, returning its results.
    @discardableResult
    public func run(_ source: String, chunkName: String = "=(swift)", _ arguments: [LuaValue] = []) throws(LuaError) -> [LuaValue] {
        try call(load(source, chunkName: chunkName), arguments)
    }
}

/// A Swift function and the name it is registered under, as a `luaL_Reg` entry.
public struct LuaRegistration {
    public let name: String
    public let body: LuaFunctionBody

    public init(_ name: String, _ body: @escaping LuaFunctionBody) {
        self.name = name
        self.body = body
    }
}

/// Lua's standard libraries, by the global name each is opened under.
public enum LuaStandardLibrary: String, Sendable, CaseIterable {
    case base = "_G"
    case coroutine, debug, io, math, os, package, string, table, utf8
}
