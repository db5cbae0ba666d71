// `payrun run`: runs a script, as `lua` would.
import ArgumentParser
import Foundation
import Payrun
import PayrunListener

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a Lua script.",
        discussion: "The script sees its arguments in `arg` (arg[0] is the script) and in `...`."
    )

    @Option(name: .customShort("e"), help: ArgumentHelp("Run CODE before the script (repeatable).", valueName: "CODE"))
    var chunks: [String] = []

    @OptionGroup var options: ScriptOptions

    @Flag(help: "Print the mutating provider requests the script would send, and send none of them; reads go through.")
    var dryRun = false

    @OptionGroup var stateOptions: StateOptions

    @Option(name: .customLong("out"), help: ArgumentHelp("The folder the script's reports go to (payrun.output(name)); created if missing. A report is renamed into place when the script succeeds and kept as NAME.partial when it fails.", valueName: "dir"))
    var reportFolder: String?

    @Option(help: ArgumentHelp("Which job this run is: a run of a key whose last run did not finish resumes it (default: the environment, the script, its arguments and the digests of the files they name).", valueName: "key"))
    var runKey: String?

    @Flag(help: "Start a new run even if the last run of this job did not finish.")
    var newRun = false

    @Flag(help: "Resuming on a changed script, send a payment the journal does not hold even where an earlier attempt sent one to the same place that this one has not made again (by default the run stops before it: the change may have altered that payment's request).")
    var sendChanged = false

    @Option(help: ArgumentHelp("When a run of this job is going on in another process, wait this long (30s, 10m) for it to end instead of stopping at once; if it finished, nothing is run again.", valueName: "duration"))
    var wait: String?

    @Argument(help: ArgumentHelp("The script to run; '-' reads it from standard input.", valueName: "file"))
    var script: String?

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("Arguments for the script.", valueName: "args"))
    var arguments: [String] = []

    func run() async throws {
        let output = StandardStreams.shared
        // Every run is journaled, except a dry run, which sends no mutation. The store opens
        // while the rest is set up: its round trips to SQLite's thread are most of its cost.
        let opening = dryRun ? nil : Task { try await openStore(output) }
        let configuration: PayrunEngine.Configuration
        do {
            configuration = try options.makeConfiguration(scriptPath: script == "-" ? nil : script)
        } catch {
            await (try? await opening?.value)?.close()
            throw error
        }
        let store = try await opening?.value
        var durable = configuration
        durable.store = store
        let engine = PayrunEngine(durable)
        var run = RunOptions()
        run.arguments = arguments
        run.output = .streamed(output)
        run.verbose = options.verbose
        run.dryRun = dryRun
        run.stopsOnTerminationSignals = true
        run.runKey = runKey
        run.reportFolder = reportFolder
        run.startsAfresh = newRun
        run.sendsChangedRequests = sendChanged
        run.waitsForRunningRun = try wait.map { text in
            guard let duration = RetrySchedule.duration(text) else { throw ValidationError("--wait \(text): give a duration such as 30s or 10m") }
            return duration
        }
        // A script on standard input is read here, once, so that its digest is in its run's key
        // and journal: as a file, every piped script was the one job `-`, and resumed another's run.
        var script = try script.map { $0 == "-" ? Script.text(try Self.standardInputScript(), name: "stdin") : Script.file($0) } ?? .chunks(chunks)
        script.chunks = chunks
        let result: ScriptResult
        do {
            result = try await engine.run(script, options: run)
        } catch {
            await engine.shutdown()
            await store?.close()
            throw error
        }
        if let error = result.error { output.write("payrun: \(error.locatedDescription)\n", to: .standardError) }
        output.flush()
        await engine.shutdown()
        await store?.close()
        if result.status != .success { throw ExitCode(result.status.rawValue) }
    }

    /// The script standard input holds, its `#!` line left out as a file's is.
    private static func standardInputScript() throws -> String {
        var bytes = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
        if bytes.first == UInt8(ascii: "#") { bytes.removeSubrange(0..<(bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex)) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The state store, or exit status 1 before anything runs, saying what to fix.
    private func openStore(_ output: StandardStreams) async throws -> any RunStore {
        do {
            return try await stateOptions.open(environment: options.env)
        } catch {
            output.write("payrun: the run did not begin: \(error)\n", to: .standardError)
            output.flush()
            throw ExitCode(PayrunExitStatus.scriptFailed.rawValue)
        }
    }
}
