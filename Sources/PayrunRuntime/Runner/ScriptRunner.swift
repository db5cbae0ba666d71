// Runs scripts on the calling thread: makes the Lua state every script gets, then runs the chunks
// and the script in it and says how it ended. `PayrunEngine` runs each of its runs through one of
// these, on a thread of its own; a host may use one directly from a thread it owns.
import Glibc
import LuaKit
import PayrunFormats

/// Runs payrun scripts, writing their output to one ``ScriptOutput`` with every credential the
/// store holds redacted from it.
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
    /// What failure messages add for the person who can fix them.
    public let hints: ScriptHints
    /// The globals the host adds.
    public let host: [HostLibrary]
    /// Takes every credential out of what the script prints, raises or returns, traces and
    /// journals: every one the store holds, and in `sandbox` the built-in ones in use.
    public let redactor: Redactor

    public init(
        output: any ScriptOutput, sandbox: SandboxOptions = SandboxOptions(),
        credentials: any CredentialStore = MemoryCredentialStore(), environment: PayrunEnvironment = .sandbox,
        liveConfirmation: LiveConfirmation? = nil, takesTerminationSignals: Bool = false,
        providers: ProviderSession? = nil, hints: ScriptHints = ScriptHints(), host: [HostLibrary] = []
    ) {
        let providers = providers ?? ProviderSession(registry: ProviderRegistry(), environment: environment, credentials: credentials)
        self.providers = providers
        self.liveConfirmation = liveConfirmation ?? LiveConfirmation(environment: environment, approvedInAdvance: false)
        redactor = Redactor(store: credentials, providers: providers.registry.all, in: environment)
        self.output = RedactingOutput(output, redactor: redactor)
        self.sandbox = sandbox
        self.credentials = credentials
        self.environment = environment
        self.takesTerminationSignals = takesTerminationSignals
        self.hints = hints
        self.host = host
    }

    /// A new sandboxed state with what every script gets: Lua's safe libraries, `print`, the
    /// `payrun` library writing to ``output``, the host's libraries, and `require` searching
    /// `scriptDirectory` (the script's folder) and the sandbox's library paths.
    public func makeState(scriptDirectory: String = ".") throws(LuaError) -> LuaState {
        let state = try LuaState()
        try state.open(Sandbox.libraries)
        try PayrunLibrary.install(in: state, output: output, verbose: providers.verbose)
        state.stack.pushGlobal("payrun")
        // In sandbox, the simulators' public credentials exist without being configured.
        let builtIn = environment != .sandbox ? [] : Set(providers.registry.all.flatMap { provider in
            provider.sandboxCredentials.keys.map { CredentialName(provider: provider.name, field: $0) }
        })
        try CredentialLibrary.install(
            on: state.stack, store: credentials, environment: environment, builtIn: builtIn, hint: hints.missingCredential)
        try ProviderLibrary.install(on: state.stack, session: providers, output: output, confirmation: liveConfirmation)
        state.stack.pop()
        try HostLibraries.install(host, in: state)
        // Before the sandbox puts the libraries behind read-only proxies, which hold nothing.
        try Self.nameLibraries(["payrun"] + host.map(\.name), in: state.stack)
        try Sandbox.apply(to: state, options: sandbox, scriptDirectory: scriptDirectory, hostLibraries: host.map(\.name))
        return state
    }

    /// Lists the libraries (`payrun`, `payrun.json`, ..., the host's) among the loaded modules,
    /// where Lua looks for a function's name when the call itself does not give one: an
    /// argument error in a function called through `pcall` then names it (`bad argument #1 to
    /// 'payrun.sleep'`), as it names `string.rep`, instead of `'?'`.
    static func nameLibraries(_ names: [String], in stack: LuaStack) throws(LuaError) {
        let base = stack.top
        defer { stack.top = base }
        try stack.reserve(4)
        guard stack.pushRegistryValue("_LOADED") == .table else { return }
        let loaded = stack.top
        for name in names {
            guard stack.pushGlobal(name) == .table else {   // stack: ... loaded library
                stack.pop()
                continue
            }
            stack.pushCopy(of: -1)
            stack.setField(name, in: loaded)
            stack.forEachEntry(of: -1) { key, value in
                guard stack.type(at: key) == .string, stack.type(at: value) == .table, let field = stack.string(at: key) else { return }
                stack.pushCopy(of: value)
                stack.setField(name + "." + field, in: loaded)
            }
            stack.pop()
        }
    }

    /// Runs `invocation` and returns the status the process should exit with. A failure is
    /// written to standard error as `payrun: message`, then the Lua traceback.
    ///
    /// The script's provider requests are waited for on this thread: call it from a thread of
    /// your own (or the main thread), never from a Swift concurrency task (`PayrunEngine` does
    /// that for you).
    public func run(_ invocation: ScriptInvocation) -> PayrunExitStatus {
        let outcome = execute(invocation)
        if let error = outcome.error { report(error.locatedDescription) }
        return outcome.status
    }

    /// What one run ended with.
    struct Outcome {
        var status: PayrunExitStatus
        var values: [JSONValue] = []
        var valuesProblem: String?
        var error: ScriptError?
        /// Why the host stopped the run, if it did.
        var stopReason: LuaStopReason?
        /// What the script registered with `payrun.on`, as "provider type".
        var handlers: [String] = []
        /// How many handlers the event was handed to; nil when there was no event.
        var handlersRun: Int?
    }

    /// Runs `invocation`, keeping what the script returns.
    /// - Parameter watch: told the state's stopper once the state exists, and nil before the
    ///   state goes away, so another thread can stop the run meanwhile.
    func execute(_ invocation: ScriptInvocation, watch: (LuaStopper?) -> Void = { _ in }) -> Outcome {
        var outcome = executeUnredacted(invocation, watch: watch)
        guard !redactor.isEmpty else { return outcome }
        outcome.error = outcome.error.map { $0.redacted(by: redactor) }
        outcome.values = outcome.values.map { redactor.redact($0) }
        return outcome
    }

    private func executeUnredacted(_ invocation: ScriptInvocation, watch: (LuaStopper?) -> Void) -> Outcome {
        guard !invocation.chunks.isEmpty || invocation.scriptPath != nil || invocation.scriptText != nil else {
            return Outcome(status: .usage, error: ScriptError(
                kind: .unreadable, message: "nothing to run: give a script file, '-' for standard input, or -e CODE"))
        }
        let source: ScriptSource?
        do throws(ScriptSource.ReadError) {
            if let text = invocation.scriptText {
                source = ScriptSource(bytes: Array(text.text.utf8), chunkName: "@" + text.name)
            } else if let path = invocation.scriptPath {
                source = try ScriptSource.read(path)
            } else {
                source = nil
            }
        } catch {
            return Outcome(status: .usage, error: ScriptError(kind: .unreadable, message: error.description))
        }
        let state: LuaState
        do {
            state = try makeState(scriptDirectory: Self.directory(of: invocation.scriptPath))
        } catch {
            return Outcome(status: .scriptFailed, error: ScriptError(kind: .runtime, message: error.description))
        }
        watch(state.stopper)
        // The stopper points into the state: the state lives until the watcher has let go of it.
        defer { withExtendedLifetime(state) { watch(nil) } }
        // Reports end with the run: renamed to their names if it succeeded, kept as .partial if not.
        let reports = invocation.reportFolder.map { ReportFolder(path: $0, redactor: redactor) }
        var outcome = runChunks(invocation, source: source, in: state, reports: reports)
        if let reports {
            let kept = reports.finish(succeeded: outcome.status == .success).filter { $0.hasSuffix(".partial") }
            if !kept.isEmpty, var error = outcome.error {
                error.message += "\n(the reports it wrote are kept as \(kept.joined(separator: ", "))"
                // A whole report of the same name is an earlier run's: said, or it reads as this one's.
                let earlier = kept.map { String($0.dropLast(".partial".count)) }.filter { access($0, F_OK) == 0 }
                if !earlier.isEmpty {
                    error.message += "; \(earlier.joined(separator: ", ")) beside \(earlier.count == 1 ? "it is" : "them are") from an earlier run"
                }
                error.message += ")"
                outcome.error = error
            }
        }
        return outcome
    }

    private func runChunks(_ invocation: ScriptInvocation, source: ScriptSource?, in state: LuaState, reports: ReportFolder?) -> Outcome {
        if takesTerminationSignals { state.takeTerminationSignals() }
        defer { if takesTerminationSignals { state.takeTerminationSignals(false) } }
        defer { providers.close() }
        do {
            if let seconds = sandbox.timeLimit { try state.startTimeLimit(seconds: seconds) }
            defer { state.cancelTimeLimit() }
            try state.setGlobal("arg", argumentTable(invocation))
            InputFunction.setArguments(invocation.arguments, on: state.stack)
            if let reports {
                state.stack.push(object: reports)
                state.stack.setRegistryValue(ReportFolder.registryKey)
            }
            for chunk in invocation.chunks {
                try state.execute(state.load(chunk, chunkName: "=(command line)"))
            }
            guard let source else { return Outcome(status: .success) }
            let main = try state.load(source.bytes, chunkName: source.chunkName)
            var outcome = Outcome(status: .success)
            (outcome.values, outcome.valuesProblem) = try ReturnedValues.call(main, arguments: invocation.arguments, in: state)
            outcome.handlers = EventLibrary.registered(in: state)
            if let event = invocation.event { outcome.handlersRun = try EventLibrary.dispatch(event, in: state) }
            return outcome
        } catch {
            var outcome = failure(error, in: state)
            outcome.handlers = EventLibrary.registered(in: state)
            return outcome
        }
    }

    /// How the script ended early, with what to do about it.
    private func failure(_ error: LuaError, in state: LuaState) -> Outcome {
        let stopReason = state.stopReason
        var outcome = Outcome(status: .scriptFailed, stopReason: stopReason)
        switch stopReason {
        case .timeLimit:
            let limit = sandbox.timeLimit.map { "of \($0) s" } ?? "or deadline"
            let message = ScriptHints.appending(hints.timeLimit, to: "script stopped: it ran past its time limit \(limit)")
            outcome.status = .timeLimit
            outcome.error = ScriptError(kind: .timeLimit, message: message, traceback: error.traceback)
        case .halted:
            // The engine stopped the run and says why (a payment in doubt, a journal that failed),
            // and what to do: where the script was adds nothing to that (no traceback).
            let halt = providers.journal?.halted
            outcome.status = halt?.status ?? .scriptFailed
            outcome.error = ScriptError(
                kind: halt?.kind ?? .runtime, message: halt?.message ?? "script stopped: halted by the host",
                traceback: halt == nil ? error.traceback : nil)
        case .interrupted, .cancelled:
            outcome.status = .interrupted
            let message = stopReason == .cancelled ? "script stopped: cancelled" : "script stopped: interrupted"
            outcome.error = ScriptError(kind: .interrupted, message: message, traceback: error.traceback)
        case nil:
            var message = error.message
            if error.isOutOfMemory, let limit = sandbox.memoryLimit {
                let passed = "the script passed its memory limit of \(SandboxOptions.shown(memoryLimit: limit))"
                message += "\n(" + (hints.memoryLimit.map { "\(passed); \($0)" } ?? passed) + ")"
            }
            let kind: ScriptError.Kind = error.kind == .syntax ? .syntax : error.isOutOfMemory ? .memory : .runtime
            outcome.error = ScriptError(kind: kind, message: message, traceback: error.traceback, provider: ProviderFailure(error.fields))
        }
        return outcome
    }

    /// The folder a script's modules are looked for in: its own, or the current one for `-e`
    /// chunks, standard input and scripts given as text.
    static func directory(of scriptPath: String?) -> String {
        guard let path = scriptPath, path != "-", let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// `arg` as `lua` builds it: the script at 0, its arguments from 1.
    private func argumentTable(_ invocation: ScriptInvocation) -> LuaValue {
        var table: [LuaValue: LuaValue] = [0: LuaValue(invocation.scriptPath ?? invocation.scriptText?.name ?? "payrun")]
        for (offset, argument) in invocation.arguments.enumerated() {
            table[.integer(offset + 1)] = LuaValue(argument)
        }
        return .dictionary(table)
    }

    private func report(_ message: String) {
        output.write("payrun: \(message)\n", to: .standardError)
    }
}
