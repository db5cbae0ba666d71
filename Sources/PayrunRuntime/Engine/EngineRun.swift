// One run of an engine, from the task that awaits it to the Lua thread that runs it: the thing
// both sides hold, so a cancellation or a deadline on one side stops the script on the other.
import LuaKit
import PayrunJournal
import PayrunLocks

final class EngineRun: Sendable {
    private let script: Script
    private let options: RunOptions
    private let engine: PayrunEngine

    /// What stops the script, once its state exists, and what was asked of it.
    private struct Stopping {
        var stopper: LuaStopper?
        var requested: LuaStopReason?
        /// The run ended before a stop came: nothing to stop any more.
        var finished = false
        /// Why the script itself was stopped, as it ended.
        var ended: LuaStopReason?
    }

    private let stopping = Locked(Stopping())

    init(script: Script, options: RunOptions, engine: PayrunEngine) {
        self.script = script
        self.options = options
        self.engine = engine
    }

    /// Whether the script was stopped because its task was cancelled (not merely cancelled
    /// after it had finished).
    var endedByCancellation: Bool { stopping.withLock { $0.ended == .cancelled } }

    /// Asks the script to stop; the first reason wins.
    func stop(_ reason: LuaStopReason) {
        stopping.withLock { stopping in
            guard stopping.requested == nil, !stopping.finished else { return }
            stopping.requested = reason
            stopping.stopper?.requestStop(reason)
        }
    }

    /// Runs the script on the calling thread (one of the engine's).
    func execute() -> ScriptResult {
        let captured = CapturedOutput(limit: options.capturedOutputLimit)
        let output: any ScriptOutput
        switch options.output {
        case .captured: output = captured
        case .streamed(let destination): output = destination
        }
        let runner = engine.makeRunner(
            output: output, sandbox: options.sandbox, verbose: options.verbose, dryRun: options.dryRun,
            takesTerminationSignals: options.stopsOnTerminationSignals, host: options.host)
        let clock = ContinuousClock()
        let start = clock.now
        var journal: RunJournal?
        if let store = engine.configuration.store, !options.dryRun {
            let job = runStart
            var claimed = false
            do {
                claimed = engine.claim(job.key)
                guard claimed else {
                    throw RunRefused(message: "a run of this job is under way in this engine", remedy: "wait for it to end, or give this one another key")
                }
                // Written once from the task that begins the run, while the Lua thread waits for it.
                nonisolated(unsafe) let output = runner.output
                let (begun, notice) = try BlockingWait.run(stoppable: nil) { [redactor = runner.redactor] in
                    try await RunJournal.begin(job, in: store, redactor: redactor) { output.write("payrun: \($0)\n", to: .standardError) }
                }
                if let notice { runner.output.write("payrun: \(notice)\n", to: .standardError) }
                runner.providers.journal = begun
                journal = begun
            } catch {
                if claimed { engine.release(job.key) }
                // Nothing was sent: a run that cannot be journaled does not begin.
                let message = "the run did not begin: \(error)"
                var refused = ScriptResult(
                    status: .scriptFailed, values: [], valuesProblem: nil, output: printed(captured),
                    error: ScriptError(kind: .journal, message: message), duration: clock.now - start, requestCount: 0)
                refused.runningElsewhere = (error as? RunRefused)?.runningElsewhere
                refused.finishedEarlier = (error as? RunRefused)?.finishedEarlier
                refused.handlersRun = (error as? RunRefused)?.handlersRunEarlier
                refused.storeFailed = (error as? RunRefused)?.storeFailed ?? false
                return refused
            }
        }
        var invocation = ScriptInvocation(script, arguments: options.arguments)
        invocation.event = options.event
        invocation.reportFolder = options.reportFolder
        let outcome = runner.execute(invocation) { stopper in
            stopping.withLock { stopping in
                stopping.stopper = stopper
                if stopper == nil {
                    stopping.finished = true
                } else if let reason = stopping.requested {
                    stopper?.requestStop(reason)  // asked before the state existed
                }
            }
        }
        let deadlinePassed = stopping.withLock { stopping in
            stopping.ended = outcome.stopReason
            return outcome.stopReason == .timeLimit && stopping.requested == .timeLimit
        }
        var error = outcome.error
        var status = outcome.status
        // The deadline stops the script as its time limit would; the message says which it was.
        if deadlinePassed { error?.message = "script stopped: it ran past its deadline" }
        if let journal {
            _ = try? BlockingWait.run(stoppable: nil) { await journal.finish(outcome.status, handlersRun: outcome.handlersRun) }
            // Said even when the script caught the error and ended well: the job is not finished.
            let inDoubt = journal.inDoubtCount
            if inDoubt > 0 && outcome.status != .inDoubt {
                let message = "run \(journal.run.id) ended with \(inDoubt) payment(s) in doubt: sent, and no answer kept. "
                    + (options.event == nil ? "Run the same command again to settle them" : "Its event's next attempt settles them")
                    + " (`payrun runs show \(journal.run.id) \(ShellWord.stateOption(journal.store.location))` lists them)"
                if outcome.status == .success {
                    // Its script ended well, but the job did not: exit 4, so that a scheduler sees
                    // it. A handler's run fails instead, to be tried again: the next attempt looks
                    // the payment up, or stops before it for a person (exit 4, the event dead).
                    status = options.event == nil ? .inDoubt : .scriptFailed
                    error = ScriptError(kind: .inDoubt, message: message)
                } else {
                    runner.output.write("payrun: \(message)\n", to: .standardError)
                }
            }
            engine.release(journal.run.key)
        }
        return ScriptResult(
            status: status, values: outcome.values, valuesProblem: outcome.valuesProblem, output: printed(captured),
            error: error, duration: clock.now - start, requestCount: runner.providers.requestCount, run: journal?.run,
            resumed: journal?.resumed ?? false, handlers: outcome.handlers, handlersRun: outcome.handlersRun)
    }

    private func printed(_ captured: CapturedOutput) -> ScriptResult.Output? {
        guard case .captured = options.output else { return nil }
        return ScriptResult.Output(
            standardOutput: captured.standardOutput, standardError: captured.standardError, truncated: captured.isTruncated)
    }

    /// The run as the store records it: its job, its script and where it runs.
    private var runStart: RunStart {
        let configuration = engine.configuration
        let name: String
        var text: [UInt8] = []
        switch script.source {
        case .file(let path)?:
            // From the root, so that a host can resume the run from anywhere.
            name = RunStart.absolute(path)
            if path != "-" { text = (try? FileContents.read(path, limit: 64 << 20)) ?? [] }
        case .text(let source, let label)?:
            name = label
            text = Array(source.utf8)
        case nil:
            name = "(command line)"
        }
        text += script.chunks.flatMap { Array($0.utf8) + [0] }
        let digest = ChainDigest.sha256(text)
        // A script given as text is the same job when its text is the same.
        var identity = script.path.map(RunStart.absolute) ?? "\(name)#\(digest)"
        if configuration.environment == .sandbox, let sandbox = configuration.sandboxServer?.identity { identity += " @ " + sandbox }
        var start = RunStart(
            key: "", script: name, scriptDigest: digest, arguments: options.arguments, environment: configuration.environment)
        start.key = options.runKey
            ?? RunStart.defaultKey(script: identity, arguments: start.arguments, inputs: start.inputs, environment: configuration.environment)
        if options.runKey == nil, start.arguments != options.arguments {
            // The same files' digests, by the arguments as typed: read once, not again.
            var typed: [String: String] = [:]
            for (given, keyed) in zip(options.arguments, start.arguments) { typed[given] = start.inputs[keyed] }
            start.earlierKey = RunStart.defaultKey(script: identity, arguments: options.arguments, inputs: typed, environment: configuration.environment)
        }
        start.startsAfresh = options.startsAfresh
        start.sendsChangedRequests = options.sendsChangedRequests
        start.guardsChangedInputs = options.runKey == nil && !start.inputs.isEmpty
        start.resumesWhenRunAgain = options.event == nil
        start.skipsAFinishedJob = options.skipsAFinishedJob
        start.waitsForRunningRun = options.waitsForRunningRun
        start.providersOutliveProcess = configuration.environment != .sandbox || configuration.sandboxServer?.outlivesProcess ?? true
        if !start.providersOutliveProcess {
            // Served inside: a base URL under the simulators', whatever port they get.
            let simulators = "http://payrun-simulators.invalid"
            start.providersInsideProcess = Set(configuration.providers.all.filter { provider in
                provider.baseURL(in: .sandbox, sandboxServer: simulators)?.hasPrefix(simulators + "/") == true
            }.map(\.name))
        }
        return start
    }
}
