// Strict globals: reading a global nobody assigned, or creating one inside a function, is an
// error naming the variable, so `pay.sing` for `pay.sign` and a missing `local` are caught.
import LuaKit

enum StrictGlobals {
    /// Registry name of the set of globals assigned at the top level of a chunk.
    static let declaredKey = "payrun.declared"

    /// Pushes the metatable that makes the global table strict.
    static func pushMetatable(onto stack: LuaStack) throws(LuaError) {
        try stack.reserve(3)
        stack.pushTable()
        stack.setRegistryValue(declaredKey)
        stack.push(library: [
            LuaRegistration("__index", read),
            LuaRegistration("__newindex", assign),
        ])
        stack.push("strict globals")
        stack.setField("__metatable", in: -2)
    }

    /// Globals of stock Lua that the sandbox leaves out, and what to use instead.
    static let removed: [String: String] = [
        "io": "scripts cannot open files; print and payrun.stdout/payrun.stderr write output",
        "debug": "it would reach past the sandbox",
        "package": "require finds modules next to the script and in --lib paths",
        "dofile": "scripts cannot read files; use require for modules",
        "loadfile": "scripts cannot read files; use require for modules",
    ]

    /// `__index(_G, name)`: nil for a global assigned nil at the top level, an error otherwise.
    private static func read(_ call: LuaCall) throws -> LuaReturn {
        if isDeclared(call) { return .none }
        let name = call.stack.describe(at: call.index(of: 2))
        if let reason = removed[name] {
            throw SandboxError(message: "'\(name)' is not available in payrun scripts: \(reason)")
        }
        throw SandboxError(message: "undefined global '\(name)' "
            + "(assign it at the top level of the script first, or run with --no-strict)")
    }

    /// `__newindex(_G, name, value)`: allowed in a chunk's top level, refused inside functions.
    private static func assign(_ call: LuaCall) throws -> LuaReturn {
        if call.isCalledFromLuaFunction {
            let name = call.stack.describe(at: call.index(of: 2))
            throw SandboxError(message: "assignment to undeclared global '\(name)' inside a function "
                + "(make it local, assign it at the top level of the script first, or run with --no-strict)")
        }
        // stack: _G name value
        call.stack.pushRegistryValue(declaredKey)
        call.stack.pushCopy(of: call.index(of: 2))
        call.stack.push(true)
        try call.stack.setEntry(in: -3)
        call.stack.pop()
        try call.stack.setEntry(in: call.index(of: 1))
        return .none
    }

    private static func isDeclared(_ call: LuaCall) -> Bool {
        let stack = call.stack
        stack.pushRegistryValue(declaredKey)
        stack.pushCopy(of: call.index(of: 2))
        stack.getEntry(in: -2)
        defer { stack.pop(2) }
        return stack.boolean(at: -1)
    }
}
