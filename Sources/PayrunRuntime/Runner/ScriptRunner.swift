// Runs scripts: makes the Lua state every script gets, then runs the chunks and the script in
// it, reporting any failure the way `lua` does.
import LuaKit

/// Runs payrun scripts, writing their output and any failure to one ``ScriptOutput``.
public final class ScriptRunner {
    public let output: any ScriptOutput
    public let sandbox: SandboxOptions

    public init(output: any ScriptOutput, sandbox: SandboxOptions = SandboxOptions()) {
        self.output = output
        self.sandbox = sandbox
    }

    /// A new sandboxed state with what every script gets: Lua's safe libraries, `print`, and the
    /// `payrun` library writing to ``output``.
    public func makeState() throws(LuaError) -> LuaState {
        let state = try LuaState()
        try state.open(Sandbox.libraries)
        try PayrunLibrary.install(in: state, output: output)
        try Sandbox.apply(to: state, options: sandbox)
        return state
    }

    /// Runs `invocation` and returns the status the process should exit with. A failure is
    /// written to standard error as `payrun: message`, then the Lua traceback.
    public func run(_ invocation: ScriptInvocation) -> PayrunExitStatus {
        guard !invocation.chunks.isEmpty || invocation.scriptPath != nil else {
            report("nothing to run: give a script file, '-' for standard input, or -e CODE")
            return .usage
        }
        let source: ScriptSource?
        do {
            source = try invocation.scriptPath.map(ScriptSource.read)
        } catch {
            report(error.description)
            return .usage
        }
        do {
            let state = try makeState()
            try state.setGlobal("arg", argumentTable(invocation))
            for chunk in invocation.chunks {
                try state.execute(state.load(chunk, chunkName: "=(command line)"))
            }
            if let source {
                let main = try state.load(source.bytes, chunkName: source.chunkName)
                try state.execute(main, invocation.arguments.map { LuaValue($0) })
            }
            return .success
        } catch {
            report(error.description)
            return .scriptFailed
        }
    }

    /// `arg` as `lua` builds it: the script at 0, its arguments from 1.
    private func argumentTable(_ invocation: ScriptInvocation) -> LuaValue {
        var table: [LuaValue: LuaValue] = [0: LuaValue(invocation.scriptPath ?? "payrun")]
        for (offset, argument) in invocation.arguments.enumerated() {
            table[.integer(offset + 1)] = LuaValue(argument)
        }
        return .dictionary(table)
    }

    private func report(_ message: String) {
        output.write("payrun: \(message)\n", to: .standardError)
    }
}
