// What the store keeps of one run: the job it was, who ran it where, and how it ended; the
// summary `payrun runs` lists. The journal's records say what the run did.
import PayrunFormats

/// One run of a script, as the state store keeps it.
public struct RunRecord: Sendable, Equatable {
    /// `r_` and 16 hexadecimal digits.
    public var id: String
    /// Which job this is: a run of the same key resumes this one while it has not finished.
    public var key: String
    /// The script's path as given (or `(command line)`), and the SHA-256 of its text.
    public var script: String
    public var scriptDigest: String
    public var arguments: [String]
    /// `sandbox`, `test` or `live`.
    public var environment: String
    public var user: String
    public var host: String
    /// The process that ran its latest attempt, to tell a run still going from one that died.
    public var processID: Int
    /// Seconds since 1970 (UTC).
    public var startedAt: Int
    public var endedAt: Int?
    public var status: RunStatus
    /// How many times it was run: 1, and one more for each resume.
    public var attempts: Int
    /// The mutations it journaled.
    public var mutations: Int

    public init(
        id: String, key: String, script: String, scriptDigest: String, arguments: [String], environment: String, user: String,
        host: String, processID: Int, startedAt: Int, endedAt: Int? = nil, status: RunStatus = .running, attempts: Int = 1,
        mutations: Int = 0
    ) {
        self.id = id
        self.key = key
        self.script = script
        self.scriptDigest = scriptDigest
        self.arguments = arguments
        self.environment = environment
        self.user = user
        self.host = host
        self.processID = processID
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.status = status
        self.attempts = attempts
        self.mutations = mutations
    }

    /// A new run id: `r_` and 64 random bits in hexadecimal.
    public static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        let bits = generator.next() as UInt64
        let hex = String(bits, radix: 16)
        return "r_" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The record as `payrun runs --json` shows it.
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(id), "key": .string(key), "script": .string(script), "script_sha256": .string(scriptDigest),
            "arguments": .array(arguments.map(JSONValue.string)), "environment": .string(environment), "user": .string(user),
            "host": .string(host), "pid": .integer(processID), "started_at": .string(UTCTime.text(startedAt)),
            "status": .string(status.rawValue), "attempts": .integer(attempts), "mutations": .integer(mutations),
        ]
        if let endedAt { members["ended_at"] = .string(UTCTime.text(endedAt)) }
        return .object(members)
    }
}

/// Where a run stands.
public enum RunStatus: String, Sendable, CaseIterable {
    /// Under way, or killed before it could say otherwise.
    case running
    /// Ran to its end (exit 0).
    case finished
    /// Stopped by an error in the script (exit 1).
    case failed
    /// Stopped at its time limit or deadline (exit 3).
    case timeLimit = "time_limit"
    /// Stopped before a mutation whose outcome is unknown and that the provider cannot look up
    /// (exit 4): an operator records what happened with `payrun runs resolve`.
    case inDoubt = "in_doubt"
    /// Stopped by Ctrl-C, SIGTERM or the host's cancellation (exit 130).
    case interrupted

    /// Whether a run of the same key starts afresh (true) or resumes this one.
    public var isFinished: Bool { self == .finished }
}
