// What a durable run is, as its host describes it before it begins: the job (its key), the script,
// who runs it where, and whether an unfinished earlier run of the job may be resumed.
import PayrunFormats
import PayrunJournal
import Glibc

/// The description of a run the engine records in its store.
public struct RunStart: Sendable {
    /// Which job this is; the same key resumes the job's last run while it has not finished.
    public var key: String
    /// The script's path as given, or a name for a script given as text.
    public var script: String
    /// The SHA-256 of the script's text.
    public var scriptDigest: String
    /// The script's arguments, each that names a file as its path from the root (``keyed(_:)``).
    public var arguments: [String]
    /// The default key as payrun 0.1 made it, from the arguments as typed, when it differs: an
    /// unfinished run recorded under it is resumed, not started again under the new one.
    public var earlierKey: String?
    /// The SHA-256 of each file an argument names (``inputDigests(_:)``), read once.
    public var inputs: [String: String]
    public var environment: PayrunEnvironment
    public var user = RunStart.currentUser
    public var host = RunStart.currentHost
    /// Start a new run even if the job's last one did not finish (`--new-run`).
    public var startsAfresh = false
    /// In a run resumed on a changed script, send a mutation that matches nothing journaled even
    /// when an earlier attempt sent one to the same place that this one has not made again
    /// (`--send-changed`): by default the run stops before it, since the change may have altered
    /// that payment's request, and sending it would pay it twice.
    public var sendsChangedRequests = false
    /// Refuse to begin a new job when an unfinished run of the same script and arguments sent
    /// payments from input files that have changed since: set for a default key, which a
    /// changed file changes.
    public var guardsChangedInputs = false
    /// Whether the job resumes when its command runs again (`payrun run`); false for a webhook
    /// handler's run, which resumes when its event is replayed. For what a stop tells a person.
    public var resumesWhenRunAgain = true
    /// Refuse to run when the job's last run finished (``RunRefused/finishedEarlier``).
    public var skipsAFinishedJob = false
    /// How long to wait for a run of the job going on in another process to end (`--wait`);
    /// nil: refuse at once. A run that ended finished is not run again.
    public var waitsForRunningRun: Duration?
    /// Whether the providers' state outlives this process, so that resuming makes sense: false
    /// for the simulators inside this process, which die with it.
    public var providersOutliveProcess = true
    /// When they do not: the providers those simulators serve. A run that paid any other (a
    /// declared provider's `base_url.sandbox` on a fake of the user's own) is resumed, since
    /// what it paid outlives the process.
    public var providersInsideProcess: Set<String> = []

    public init(key: String, script: String, scriptDigest: String, arguments: [String], environment: PayrunEnvironment) {
        self.key = key
        self.script = script
        self.scriptDigest = scriptDigest
        self.arguments = arguments.map(Self.keyed)
        inputs = Self.inputDigests(self.arguments)
        self.environment = environment
    }

    /// The default key: the environment, the script (its absolute path, or for a script given as
    /// text its name and digest), its arguments and the SHA-256 of each file an argument names,
    /// so the same job on changed input files is a new job.
    public static func defaultKey(
        script: String, arguments: [String], inputs digests: [String: String], environment: PayrunEnvironment
    ) -> String {
        var parts: [JSONValue] = [.string(environment.rawValue), .string(script)]
        for argument in arguments {
            parts.append(.string(argument))
            if let digest = digests[argument] { parts.append(.string(digest)) }
        }
        return "k_" + ChainDigest.sha256(JSONValue.array(parts).encoded()).prefix(24)
    }

    /// The SHA-256 of each file an argument names (the files `payrun.input` reads), by argument.
    public static func inputDigests(_ arguments: [String]) -> [String: String] {
        var digests: [String: String] = [:]
        for argument in arguments where digests[argument] == nil {
            // Regular files only: reading a pipe or /dev/stdin here would leave nothing for the script.
            var info = stat()
            guard stat(argument, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            if let digest = ChainDigest.sha256(ofFileAt: argument, limit: 256 << 20) { digests[argument] = digest }
        }
        return digests
    }

    /// `argument` as the key and the journal name it: a file it names by its path from the root,
    /// links resolved, so that `cw.csv`, `./cw.csv` and `/ops/cw.csv` are one job, not three that
    /// would each pay the file; anything else as given.
    static func keyed(_ argument: String) -> String {
        var info = stat()
        guard stat(argument, &info) == 0, info.st_mode & S_IFMT == S_IFREG, let resolved = realpath(argument, nil) else { return argument }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `path` from the root, so the same script run from two folders is one job.
    static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/"), !path.hasPrefix("("), path != "-" else { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let folder = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return folder + "/" + (path.hasPrefix("./") ? String(path.dropFirst(2)) : path)
    }

    /// Who runs payrun: `$USER`, else the account's name.
    public static var currentUser: String {
        if let name = getenv("USER") { return String(cString: name) }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return String(getuid())
    }

    /// This machine's host name.
    public static var currentHost: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
