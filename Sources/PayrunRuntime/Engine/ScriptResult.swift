// What a run gives back: how it ended, what the script returned, what it printed, why it failed.
import PayrunFormats

/// The outcome of one ``PayrunEngine/run(_:options:)``.
public struct ScriptResult: Sendable {
    /// How the run ended, as `payrun run` would exit.
    public var status: PayrunExitStatus
    /// What the script's main chunk returned, as JSON (`json.null`, arrays, decimals with their
    /// digits, as `json.encode` writes them).
    public var values: [JSONValue]
    /// Why ``values`` is empty although the script returned something: the value that has no
    /// JSON form, e.g. `result 2 cannot be JSON: a function has no JSON form`.
    public var valuesProblem: String?
    /// What the script printed, when the output was captured.
    public var output: Output?
    /// Why the script did not finish; nil when it did.
    public var error: ScriptError?
    /// From the start of the script to its end.
    public var duration: Duration
    /// HTTP requests sent to providers, retries included.
    public var requestCount: Int
    /// The run as the engine's store recorded it (nil without a store, or for a dry run).
    public var run: RunRecord?
    /// Whether this run resumed an earlier, unfinished run of the same key.
    public var resumed = false
    /// The handlers the script registered with `payrun.on`, as "provider type", in order.
    public var handlers: [String] = []
    /// How many handlers ``RunOptions/event`` was handed to (0: none matched); nil without an
    /// event. For a run that did not begin because of ``finishedEarlier``, how many that run
    /// handed it to, when its journal says.
    public var handlersRun: Int?
    /// When the run did not begin because a run of its key is going on in another process:
    /// that run's id (or a description of it).
    public var runningElsewhere: String?
    /// When the run did not begin because its key's last run finished and
    /// ``RunOptions/skipsAFinishedJob`` was set: that run's id.
    public var finishedEarlier: String?
    /// When the run did not begin because the state store failed (``error`` says how): nothing
    /// ran, and the same run may begin once the store answers again.
    public var storeFailed = false

    /// A run's printed text.
    public struct Output: Sendable, Equatable {
        public var standardOutput: String
        public var standardError: String
        /// Whether the script printed more than ``RunOptions/capturedOutputLimit`` and the rest was dropped.
        public var truncated: Bool
    }
}
