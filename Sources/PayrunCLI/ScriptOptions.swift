// The options of the commands that run Lua (`run` and `repl`): limits, environment, credentials.
import ArgumentParser
import PayrunProviders
import PayrunRuntime

struct ScriptOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Stop the script (in the REPL: each entry) after this many seconds (default: no limit).", valueName: "seconds"))
    var timeout: Double?

    @Option(help: ArgumentHelp("The most memory the script may use: bytes, or with K, M or G.", valueName: "size"))
    var maxMemory: ByteCount = ByteCount(argument: "256M")!

    @Flag(help: "Let scripts read unassigned globals (as nil) and create globals inside functions.")
    var noStrict = false

    @Option(help: ArgumentHelp("Where requests go and whose credentials they use: sandbox (the default: built-in simulators), test or live.", valueName: "env"))
    var env: PayrunEnvironment = .sandbox

    @Flag(help: "Approve every mutating request to a live provider without asking on the terminal.")
    var yes = false

    @Flag(help: "Trace each provider request on standard error: method, URL, status, time, retries (secrets redacted).")
    var verbose = false

    @Flag(help: "Print the mutating provider requests the script would send, and send none of them; reads go through.")
    var dryRun = false

    @OptionGroup var credentialOptions: CredentialOptions

    @Option(name: .customLong("lib"), help: ArgumentHelp("Also look for modules in this folder (repeatable).", valueName: "path"))
    var libraryPaths: [String] = []

    func validate() throws {
        if let timeout, !(timeout > 0 && timeout.isFinite) {
            throw ValidationError("--timeout must be a positive number of seconds")
        }
    }

    /// A runner with these options, the built-in providers and the credential store, writing to
    /// `output`; Ctrl-C and SIGTERM stop what it runs.
    func makeRunner(output: any ScriptOutput) throws -> ScriptRunner {
        let sandbox = SandboxOptions(
            strictGlobals: !noStrict, memoryLimit: maxMemory.bytes, timeLimit: timeout, libraryPaths: libraryPaths)
        let (_, credentials) = try credentialOptions.loadStore()
        // PAYRUN_SANDBOX_URL points the sandbox environment at a `payrun sandbox` already
        // running (to watch its /_sandbox/requests, or to share one between runs).
        let variables = ProcessEnvironment.variables()
        let runningSandbox = variables["PAYRUN_SANDBOX_URL"]
        let providers = ProviderSession(
            registry: BuiltInProviders.registry, environment: env, credentials: credentials,
            settings: HTTPSettings(environment: variables), verbose: verbose, dryRun: dryRun,
            startSandbox: {
                if let runningSandbox { return runningSandbox }
                return try await InProcessSandbox.shared.baseURL()
            })
        return ScriptRunner(
            output: output, sandbox: sandbox, credentials: credentials, environment: env,
            liveConfirmation: LiveConfirmation(environment: env, approvedInAdvance: yes, prompt: TerminalPrompt()),
            takesTerminationSignals: true, providers: providers)
    }
}
