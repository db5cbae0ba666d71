// `payrun run`: runs a script, as `lua` would.
import ArgumentParser
import Payrun

struct RunCommand: AsyncParsableCommand {
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

    func run() async throws {
        let output = StandardStreams.shared
        let engine = try options.makeEngine()
        var run = RunOptions()
        run.arguments = arguments
        run.output = .streamed(output)
        run.verbose = options.verbose
        run.dryRun = options.dryRun
        run.stopsOnTerminationSignals = true
        var script = script.map(Script.file) ?? .chunks(chunks)
        script.chunks = chunks
        let result = try await engine.run(script, options: run)
        if let error = result.error { output.write("payrun: \(error.description)\n", to: .standardError) }
        output.flush()
        await engine.shutdown()
        if result.status != .success { throw ExitCode(result.status.rawValue) }
    }
}
