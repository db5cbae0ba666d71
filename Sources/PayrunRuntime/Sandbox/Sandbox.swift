// Opens a state the way every script gets it: allowed libraries only, then the prelude that
// removes and locks the rest.
import LuaKit

/// Builds the sandboxed state scripts run in.
enum Sandbox {
    /// What Lua's standard libraries contribute; the prelude trims `os` and `string` further.
    static let libraries: [LuaStandardLibrary] = [.base, .coroutine, .math, .os, .string, .table, .utf8]

    /// Applies the sandbox to `state`, whose `payrun` global (and the host's libraries, named in
    /// `hostLibraries`) are already installed: each is locked read-only. `require` searches
    /// `scriptDirectory`, then the options' library paths.
    static func apply(
        to state: LuaState, options: SandboxOptions, scriptDirectory: String, hostLibraries: [String] = []
    ) throws(LuaError) {
        let stack = state.stack
        // Before the prelude keeps its own `next`: no script can tell a record `p:paginate`
        // has not built yet from the one it stands for.
        stack.openLazyTables()
        let prelude = try state.load(SandboxPrelude.source, chunkName: HostChunk.loadName(HostChunk.sandbox))
        let base = stack.top
        defer { stack.top = base }
        try stack.reserve(4)
        try stack.push(.function(prelude))
        if options.strictGlobals {
            try StrictGlobals.pushMetatable(onto: stack)
        } else {
            stack.pushNil()
        }
        stack.pushGlobal("payrun")
        stack.push(function: setMetatable)
        stack.pushTable(fieldCapacity: 8)
        stack.pushCopy(of: -1)
        stack.setRegistryValue(ModuleLoader.loadedKey)
        try stack.push(.array(hostLibraries.map { LuaValue($0) }))
        try stack.protectedCall(argumentCount: 5, resultCount: 0)
        try ModuleLoader(roots: [scriptDirectory] + options.libraryPaths).install(in: state)
        state.memoryLimit = options.memoryLimit
    }

    /// `setmetatable(t, metatable)` as Lua's own, but refusing a metatable with `__gc`:
    /// finalisers run where the time limit cannot stop them.
    static func setMetatable(_ call: LuaCall) throws -> LuaReturn {
        try call.check(.table, at: 1)
        let metatableType = call.type(at: 2)
        guard metatableType == .nil || metatableType == .table else {
            throw LuaArgumentError.type(at: 2, expected: "nil or table")
        }
        if call.stack.pushField("__metatable", ofMetatableAt: call.index(of: 1)) {
            call.stack.pop()
            throw SandboxError(message: "cannot change a protected metatable")
        }
        if metatableType == .table {
            let finaliser = call.stack.pushField("__gc", of: call.index(of: 2))
            call.stack.pop()
            if finaliser != .nil {
                throw LuaArgumentError.invalid(at: 2, "__gc finalisers are not allowed in payrun scripts")
            }
        }
        call.stack.pushCopy(of: call.index(of: 2))
        call.stack.setMetatable(of: call.index(of: 1))
        call.stack.pushCopy(of: call.index(of: 1))
        return 1
    }
}

/// A sandbox refusal, raised with the caller's position in front.
struct SandboxError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
