// One run of an engine, from the task that awaits it to the Lua thread that runs it: the thing
// both sides hold, so a cancellation or a deadline on one side stops the script on the other.
import LuaKit
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
        let outcome = runner.execute(ScriptInvocation(script, arguments: options.arguments)) { stopper in
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
        // The deadline stops the script as its time limit would; the message says which it was.
        if deadlinePassed { error?.message = "script stopped: it ran past its deadline" }
        var printed: ScriptResult.Output?
        if case .captured = options.output {
            printed = ScriptResult.Output(
                standardOutput: captured.standardOutput, standardError: captured.standardError, truncated: captured.isTruncated)
        }
        return ScriptResult(
            status: outcome.status, values: outcome.values, valuesProblem: outcome.valuesProblem, output: printed,
            error: error, duration: clock.now - start, requestCount: runner.providers.requestCount)
    }
}
