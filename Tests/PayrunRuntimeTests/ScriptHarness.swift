// Runs Lua in the state every payrun script gets, with its output captured.
import LuaKit
import PayrunRuntime

struct ScriptHarness {
    let output = CapturedOutput()
    let state: LuaState

    init(sandbox: SandboxOptions = SandboxOptions()) throws {
        state = try ScriptRunner(output: output, sandbox: sandbox).makeState()
    }

    /// Runs `code` and returns its results.
    @discardableResult
    func run(_ code: String, _ arguments: [LuaValue] = []) throws -> [LuaValue] {
        try state.run(code, chunkName: "=test", arguments)
    }

    /// The message `code` raises, run inside pcall.
    func failure(of code: String) throws -> String {
        let results = try run("local ok, e = pcall(function(...) \(code) end, ...); return ok, tostring(e)")
        guard results.first == false else { return "(no error)" }
        return results[1].text ?? ""
    }
}
