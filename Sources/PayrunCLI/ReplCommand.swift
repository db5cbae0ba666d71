// `payrun repl`: a Lua prompt in the sandbox `payrun run` uses, with providers one keystroke away.
import ArgumentParser
import LineEditing
import Payrun

struct ReplCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl",
        abstract: "Explore the providers' APIs at a Lua prompt.",
        discussion: """
            Each named provider is bound to a global of its name (all of them when none is named). \
            An expression prints its value, a statement runs; :help lists the commands. With \
            standard input not a terminal, lines are read and run one by one with no prompt, and \
            the exit status is 1 if any of them failed.
            """
    )

    @OptionGroup var options: ScriptOptions

    @Flag(help: "Describe the mutating provider requests an entry would send, and send none of them; reads go through.")
    var dryRun = false

    @Flag(help: "Do not read or save the line history ($XDG_STATE_HOME/payrun/repl_history).")
    var noHistory = false

    @Argument(help: ArgumentHelp("Providers to bind to globals of their names (default: all).", valueName: "provider"))
    var providers: [String] = []

    func run() async throws {
        let output = StandardStreams.shared
        let engine = try options.makeEngine()
        // Without names, every provider that has this environment (Capitalist has no test one).
        let registry = engine.configuration.providers
        let names = providers.isEmpty
            ? registry.names.filter { registry.provider(named: $0)?.offers(options.env) == true }
            : providers
        let (verbose, dryRun, keepsHistory) = (options.verbose, self.dryRun, !noHistory)
        // The session lives on a Lua thread of the engine's: its entries block while they wait,
        // which Swift's tasks must not.
        let outcome = try await engine.onLuaThread { () -> Result<Bool, ValidationError> in
            let session: ReplSession
            do throws(ScriptError) {
                session = try engine.makeReplSession(
                    providers: names, output: output, verbose: verbose, dryRun: dryRun, takesTerminationSignals: true)
            } catch {
                return .failure(ValidationError(error.message))
            }
            defer { session.close() }
            return .success(Self.loop(session, output: output, keepsHistory: keepsHistory))
        }
        await engine.shutdown()
        output.flush()
        if try outcome.get() { throw ExitCode(PayrunExitStatus.scriptFailed.rawValue) }
    }

    /// Reads entries from a person at a terminal, or from a pipe; returns whether one failed
    /// (only for a pipe: a person's session is not a failure because one entry failed).
    private static func loop(_ session: ReplSession, output: StandardStreams, keepsHistory: Bool) -> Bool {
        let terminal = Terminal()
        guard terminal.isInteractive else { return PipedRepl(session: session, output: output).run() }
        let variables = ProcessEnvironment.variables()
        let path = UserDirectory.state.path(of: "repl_history", environment: variables)
        let history = keepsHistory ? LineHistory(path: path) : LineHistory()
        session.historyPath = history.path
        let colours = variables["NO_COLOR"] == nil && variables["TERM"] != "dumb"
        return InteractiveRepl(session: session, output: output, terminal: terminal, history: history, colours: colours).run()
    }
}
