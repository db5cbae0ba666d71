// How one run goes: its arguments, its limits, where its output goes, what the host adds.

/// The options of one ``PayrunEngine/run(_:options:)``.
public struct RunOptions: Sendable {
    /// The script's arguments: `arg[1]...` and `...`; `payrun.input(n)` reads the file argument
    /// `n` names.
    public var arguments: [String] = []
    /// Overrides the engine's sandbox (limits, strictness, module folders) for this run.
    public var sandbox: SandboxOptions?
    /// The run is stopped when this passes, as its time limit would be, and reports
    /// ``ScriptError/Kind-swift.enum/timeLimit``.
    public var deadline: ContinuousClock.Instant?
    /// Where what the script prints goes.
    public var output: OutputDestination = .captured
    /// The most bytes of output kept when it is captured; the rest is dropped and
    /// ``ScriptResult/Output/truncated`` says so.
    public var capturedOutputLimit = 4 << 20
    /// Trace every attempt of every provider request on the script's standard error.
    public var verbose = false
    /// Describe what the provider counts as a mutation instead of sending it.
    public var dryRun = false
    /// Ctrl-C and SIGTERM stop this run instead of the process (`payrun run`; one run at a time).
    public var stopsOnTerminationSignals = false
    /// Values and functions the host adds for this run, beside the engine's own.
    public var host: [HostLibrary] = []
    /// With a store: which job this run is. A run of a key whose last run did not finish
    /// resumes that run. Nil: the environment, the script, its arguments and the digests of the
    /// files they name (``RunStart/defaultKey(script:arguments:inputs:environment:)``).
    public var runKey: String?
    /// With a store: start a new run even if the key's last run did not finish (`--new-run`).
    public var startsAfresh = false
    /// With a store, resuming on a changed script: send a mutation that matches nothing journaled
    /// even where an earlier attempt sent one to the same place that this one has not made again
    /// (`--send-changed`; ``RunStart/sendsChangedRequests``).
    public var sendsChangedRequests = false
    /// With a store: when the key's last run finished, do not run again and say which run it
    /// was (``ScriptResult/finishedEarlier``). Looked at while the key is held, so no run of the
    /// key can finish in between: how a listener hands an event over at most once to completion.
    public var skipsAFinishedJob = false
    /// With a store: how long to wait for a run of the same key going on in another process to
    /// end before refusing (`--wait`). A run that ended finished is not run again after the wait.
    public var waitsForRunningRun: Duration?
    /// A webhook to hand, once the script's main chunk has run, to the handlers it registered
    /// with `payrun.on` (what `payrun listen` does for each event).
    public var event: HandlerEvent?
    /// The folder the script's `payrun.output` reports go to (`payrun run --out DIR`); without
    /// one, `payrun.output` raises an error saying so.
    public var reportFolder: String?

    public init() {}

    /// Where a run's output goes.
    public enum OutputDestination: Sendable {
        /// Kept, and returned in ``ScriptResult/output``.
        case captured
        /// Written as it comes (the process's `StandardStreams.shared`, a log).
        case streamed(any ScriptOutput & Sendable)
    }
}
