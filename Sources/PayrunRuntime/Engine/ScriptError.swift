// Why a script did not finish, as a host can act on it: what kind of failure, where in the
// script, the traceback, and for a provider's error its status and code.
import LuaKit

/// A script's failure.
public struct ScriptError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The script (or a module it required) does not compile.
        case syntax
        /// It raised an error: `error(...)`, a failed operation, a provider's error.
        case runtime
        /// It passed its memory limit.
        case memory
        /// It ran past its time limit or deadline.
        case timeLimit
        /// Ctrl-C or SIGTERM stopped it (`payrun run`).
        case interrupted
        /// The script file could not be read.
        case unreadable
        /// A mutation an earlier attempt sent may or may not have been applied, and only a
        /// person can tell: the run stopped before it (exit status 4).
        case inDoubt
        /// The run's journal could not be written (or the run could not begin): nothing more was sent.
        case journal
    }

    public var kind: Kind
    /// The message as Lua gives it: `payout.lua:12: boom`.
    public var message: String
    /// The chunk and line the message starts with (`payout.lua`, 12), when it names one.
    public var chunk: String?
    public var line: Int?
    /// `stack traceback:` and its lines, when there is one.
    public var traceback: String?
    /// The provider's error, when the script failed on one it did not catch.
    public var provider: ProviderFailure?

    public init(kind: Kind, message: String, traceback: String? = nil, provider: ProviderFailure? = nil) {
        self.kind = kind
        self.message = message
        self.traceback = traceback.map(HostChunk.tidied)
        self.provider = provider
        (chunk, line) = Self.position(in: message)
        if chunk == nil, let traceback {
            // An error value with no position (a provider's error table): the first frame in a script.
            for frame in traceback.split(separator: "\n").dropFirst() where !HostChunk.contains(frame: frame) {
                let (frameChunk, frameLine) = Self.position(in: frame.trimmingPrefix("\t") + " ")
                if let frameChunk, !frameChunk.hasPrefix("[") {
                    (chunk, line) = (frameChunk, frameLine)
                    break
                }
            }
        }
    }

    /// The message, then the traceback.
    public var description: String {
        traceback.map { message + "\n" + $0 } ?? message
    }

    /// ``description`` with the script's place in front for a provider's error, which is a table
    /// raised from payrun's side and so carries none: `payout.lua:3: particeep: 404 …`, as the
    /// script's own `error("…")` would read. Any other message is as it was raised (a stop, or
    /// `error(msg, 0)`, has no place on purpose).
    public var locatedDescription: String {
        guard provider != nil, let chunk, let line, Self.position(in: message).0 == nil else { return description }
        return "\(chunk):\(line): " + description
    }

    /// This error with every secret `redactor` knows taken out of its text.
    func redacted(by redactor: Redactor) -> ScriptError {
        var copy = self
        copy.message = redactor.redact(message)
        copy.traceback = traceback.map(redactor.redact)
        if var provider = copy.provider {
            provider.message = redactor.redact(provider.message)
            copy.provider = provider
        }
        return copy
    }

    /// `payout.lua:12: boom` → (`payout.lua`, 12).
    static func position(in message: String) -> (String?, Int?) {
        let firstLine = message.prefix { $0 != "\n" }
        let parts = firstLine.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, let line = Int(parts[1]), parts[2].hasPrefix(" ") else { return (nil, nil) }
        return (String(parts[0]), line)
    }
}

/// A provider's error as a script raised it (a `payrun.error` value).
public struct ProviderFailure: Sendable, Equatable {
    public var provider: String
    public var status: Int?
    public var code: String?
    public var message: String
    public var requestID: String?
    public var retryable: Bool

    public init(provider: String, status: Int?, code: String?, message: String, requestID: String?, retryable: Bool) {
        self.provider = provider
        self.status = status
        self.code = code
        self.message = message
        self.requestID = requestID
        self.retryable = retryable
    }

    /// The failure the fields of a raised `payrun.error` table describe; nil for any other error.
    init?(_ fields: [String: LuaScalar]?) {
        guard let fields, let provider = fields["provider"]?.text, let message = fields["message"]?.text,
            fields["description"]?.text != nil
        else { return nil }
        self.provider = provider
        self.status = fields["status"]?.integer
        self.code = fields["code"]?.text
        self.message = message
        self.requestID = fields["request_id"]?.text
        self.retryable = fields["retryable"] == .boolean(true)
    }
}
