// `payrun run`: runs a script, as `lua` would.
import ArgumentParser
import PayrunRuntime

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a Lua script.",
        discussion: "The script sees its arguments in `arg` (arg[0] is the script) and in `...`."
    )

    @Option(name: .customShort("e"), help: ArgumentHelp("Run CODE before the script (repeatable).", valueName: "CODE"))
    var chunks: [String] = []

    @OptionGroup var options: ScriptOptions

    @Argument(help: ArgumentHelp("The script to run; '-' reads it from standard input.", valueName: "file"))
    var script: String?

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("Arguments for the script.", valueName: "args"))
    var arguments: [String] = []

    func run() throws {
        let output = StandardStreams.shared
        let runner = try options.makeRunner(output: output)
        let status = runner.run(ScriptInvocation(chunks: chunks, scriptPath: script, arguments: arguments))
        output.flush()
        if status != .success { throw ExitCode(status.rawValue) }
    }
}
