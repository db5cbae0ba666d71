// `payrun repl`: a Lua prompt in the sandbox `payrun run` uses, with providers one keystroke away.
import ArgumentParser
import LineEditing
import PayrunProviders
import PayrunRuntime

struct ReplCommand: ParsableCommand {
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

    @Flag(help: "Do not read or save the line history ($XDG_STATE_HOME/payrun/repl_history).")
    var noHistory = false

    @Argument(help: ArgumentHelp("Providers to bind to globals of their names (default: all).", valueName: "provider"))
    var providers: [String] = []

    func run() throws {
        let output = StandardStreams.shared
        let runner = try options.makeRunner(output: output)
        let names = providers.isEmpty ? runner.providers.registry.names : providers
        let session: ReplSession
        do {
            session = try ReplSession(runner: runner, providers: names)
        } catch {
            throw ValidationError(error.message)
        }
        defer { session.close() }
        let terminal = Terminal()
        let failed: Bool
        if terminal.isInteractive {
            let variables = ProcessEnvironment.variables()
            let path = UserDirectory.state.path(of: "repl_history", environment: variables)
            let history = noHistory ? LineHistory() : LineHistory(path: path)
            session.historyPath = history.path
            let colours = variables["NO_COLOR"] == nil && variables["TERM"] != "dumb"
            failed = InteractiveRepl(
                session: session, output: output, terminal: terminal, history: history, colours: colours
            ).run()
        } else {
            failed = PipedRepl(session: session, output: output).run()
        }
        output.flush()
        if failed { throw ExitCode(PayrunExitStatus.scriptFailed.rawValue) }
    }
}
