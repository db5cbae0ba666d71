// Runs scripts: makes the Lua state every script gets, then runs the chunks and the script in
// it, reporting any failure the way `lua` does.
import LuaKit

/// Runs payrun scripts, writing their output and any failure to one ``ScriptOutput``, with every
/// credential the store holds redacted from it.
public final class ScriptRunner {
    public let output: any ScriptOutput
    public let sandbox: SandboxOptions
    public let credentials: any CredentialStore
    public let environment: PayrunEnvironment
    /// What a provider asks before sending a mutating request (in `live`, a person's yes).
    public let liveConfirmation: LiveConfirmation
    /// Whether Ctrl-C and SIGTERM stop the script (for `payrun run`; not for tests or hosts).
    public let takesTerminationSignals: Bool
    /// The providers scripts reach with `payrun.provider`.
    public let providers: ProviderSession

    public init(
        output: any ScriptOutput, sandbox: SandboxOptions = SandboxOptions(),
        credentials: any CredentialStore = MemoryCredentialStore(), environment: PayrunEnvironment = .sandbox,
        liveConfirmation: LiveConfirmation? = nil, takesTerminationSignals: Bool = false,
        providers: ProviderSession? = nil
    ) {
        self.providers = providers ?? ProviderSession(registry: ProviderRegistry(), environment: environment, credentials: credentials)
        self.liveConfirmation = liveConfirmation ?? LiveConfirmation(environment: environment, approvedInAdvance: false)
        self.output = RedactingOutput(output, redactor: Redactor(store: credentials))
        self.sandbox = sandbox
        self.credentials = credentials
        self.environment = environment
        self.takesTerminationSignals = takesTerminationSignals
    }

    /// A new sandboxed state with what every script gets: Lua's safe libraries, `print`, the
    /// `payrun` library writing to ``output``, and `require` searching `scriptDirectory` (the
    /// script's folder) and the sandbox's library paths.
    public func makeState(scriptDirectory: String = ".") throws(LuaError) -> LuaState {
        let state = try LuaState()
        try state.open(Sandbox.libraries)
        try PayrunLibrary.install(in: state, output: output)
        state.stack.pushGlobal("payrun")
        // In sandbox, the simulators' public credentials exist without being configured.
        let builtIn = environment != .sandbox ? [] : Set(providers.registry.all.flatMap { provider in
            provider.sandboxCredentials.keys.map { CredentialName(provider: provider.name, field: $0) }
        })
        try CredentialLibrary.install(on: state.stack, store: credentials, environment: environment, builtIn: builtIn)
        try ProviderLibrary.install(on: state.stack, session: providers, output: output, confirmation: liveConfirmation)
        state.stack.pop()
        try Sandbox.apply(to: state, options: sandbox, scriptDirectory: scriptDirectory)
        return state
    }

    /// Runs `invocation` and returns the status the process should exit with. A failure is
    /// written to standard error as `payrun: message`, then the Lua traceback.
    ///
    /// The script's provider requests are waited for on this thread: call it from a thread of
    /// your own (or the main thread), not from a Swift concurrency task.
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
        let state: LuaState
        do {
            state = try makeState(scriptDirectory: Self.directory(of: invocation.scriptPath))
        } catch {
            report(error.description)
            return .scriptFailed
        }
        if takesTerminationSignals { state.takeTerminationSignals() }
        defer { if takesTerminationSignals { state.takeTerminationSignals(false) } }
        defer { providers.close() }
        do {
            if let seconds = sandbox.timeLimit { try state.startTimeLimit(seconds: seconds) }
            defer { state.cancelTimeLimit() }
            try state.setGlobal("arg", argumentTable(invocation))
            InputFunction.setArguments(invocation.arguments, on: state.stack)
            for chunk in invocation.chunks {
                try state.execute(state.load(chunk, chunkName: "=(command line)"))
            }
            if let source {
                let main = try state.load(source.bytes, chunkName: source.chunkName)
                try state.execute(main, invocation.arguments.map { LuaValue($0) })
            }
            return .success
        } catch {
            return reportFailure(error, in: state)
        }
    }

    /// Reports why the script ended early, with what to do about it.
    private func reportFailure(_ error: LuaError, in state: LuaState) -> PayrunExitStatus {
        switch state.stopReason {
        case .timeLimit:
            let limit = sandbox.timeLimit.map { "\($0)" } ?? "?"
            report("script stopped: it ran past its time limit of \(limit) s (raise it with --timeout)\n" + (error.traceback ?? ""))
            return .timeLimit
        case .interrupted:
            report("script stopped: interrupted\n" + (error.traceback ?? ""))
            return .interrupted
        case nil:
            var text = error.description
            if error.isOutOfMemory, let limit = sandbox.memoryLimit {
                text += "\n(the script passed its memory limit of \(limit / (1024 * 1024)) MiB; raise it with --max-memory)"
            }
            report(text)
            return .scriptFailed
        }
    }

    /// The folder a script's modules are looked for in: its own, or the current one for `-e`
    /// chunks and standard input.
    static func directory(of scriptPath: String?) -> String {
        guard let path = scriptPath, path != "-", let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
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
