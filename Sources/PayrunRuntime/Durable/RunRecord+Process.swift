// Whether the process a run's record names is still there: what tells a run going on from one
// that was killed, for resuming it and for listing it. A pid alone is not enough: once the run's
// process is gone, the kernel may give its pid to another (after a reboot, or on a busy machine),
// and the run would be taken for one still going until that process ended. So each attempt
// records which process began it (`ProcessIdentity`), and a live pid counts only if it is still
// that process.
import PayrunFormats
import PayrunJournal
import PayrunProviderKit
import Glibc

extension RunRecord {
    /// Whether the process that ran this run's latest attempt is alive on `host` (this machine):
    /// false for another machine's, which this one cannot see.
    /// - Parameter identity: the ``ProcessIdentity`` the attempt recorded, if it did (runs from
    ///   before it was kept did not): a process with the pid that is not that one does not count.
    public func processIsAlive(on host: String, startedAs identity: String? = nil) -> Bool {
        pidIsAlive(on: host) && isStill(identity)
    }

    /// ``processIsAlive(on:startedAs:)`` with the identity its latest attempt recorded in
    /// `journal`, which is read only when the pid is alive on `host`.
    public func processIsAlive(on host: String, journal: () async throws -> [JournalRecord]) async rethrows -> Bool {
        try await processIsAlive(on: host, identity: { ProcessIdentity.latest(in: try await journal(), of: self) })
    }

    /// ``processIsAlive(on:startedAs:)`` with the identity `identity` gives (its latest attempt's),
    /// asked for only when the pid is alive on `host`.
    public func processIsAlive(on host: String, identity: () async throws -> String?) async rethrows -> Bool {
        guard pidIsAlive(on: host) else { return false }
        return isStill(try await identity())
    }

    /// Its status as a person should read it: one recorded as running whose process on this
    /// machine is gone (killed, or the machine restarted) is not running, and resumes when its
    /// job runs again. Only the pid is looked at.
    public var describedStatus: String {
        guard status == .running, host == RunStart.currentHost else { return status.rawValue }
        return described(gone: !pidIsAlive(on: host))
    }

    /// ``describedStatus``, telling its process from another that has its pid now by the
    /// identity in `journal`, read only when the pid is alive.
    public func describedStatus(journal: () async throws -> [JournalRecord]) async rethrows -> String {
        guard status == .running, host == RunStart.currentHost else { return status.rawValue }
        return described(gone: !(try await processIsAlive(on: host, journal: journal)))
    }

    private func described(gone: Bool) -> String {
        gone ? "stopped (process \(processID) gone)" : status.rawValue
    }

    private func pidIsAlive(on host: String) -> Bool {
        self.host == host && ProcessIdentity.isRunning(processID)
    }

    /// Whether the process with the pid is the one `identity` names; true when either is unknown.
    private func isStill(_ identity: String?) -> Bool {
        guard let identity, let now = ProcessIdentity.of(processID) else { return true }
        return now == identity
    }
}

/// Which process a pid is: the machine's boot and the process's start in clock ticks after it,
/// which no other process of that boot shares, whatever the wall clock does meanwhile.
public enum ProcessIdentity {
    /// This process's; nil where `/proc` is another pid namespace's (its `self` is not this
    /// pid), whose entries name other processes.
    public static let current: String? = {
        var link = [CChar](repeating: 0, count: 64)
        let count = readlink("/proc/self", &link, link.count - 1)
        guard count > 0, Int(String(decoding: link[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)) == Int(getpid()) else { return nil }
        return of(Int(getpid()))
    }()

    /// Process `pid`'s, as `<boot id> <start>`; nil when `/proc` cannot say.
    public static func of(_ pid: Int) -> String? {
        guard let boot = try? FileContents.read("/proc/sys/kernel/random/boot_id", limit: 4096).split(separator: UInt8(ascii: "\n")).first,
              let fields = statFields(of: pid),
              // After the name: the state (field 3) first, so the start (field 22) is the 20th.
              fields.count > 19, DecimalDigits.value(of: fields[19]) != nil
        else { return nil }
        return String(decoding: boot, as: UTF8.self) + " " + String(decoding: fields[19], as: UTF8.self)
    }

    /// Whether process `pid` is there and has not ended. A killed process stays a zombie until
    /// its parent reaps it, and `kill(pid, 0)` still finds it: a parent that never reaps (a
    /// container's first process often does not) would leave its run "running" for good, and
    /// its job refused, pushing the operator towards `--new-run`.
    public static func isRunning(_ pid: Int) -> Bool {
        guard kill(pid_t(pid), 0) == 0 || errno == EPERM else { return false }
        // Only this pid namespace's `/proc` says what the pid is; elsewhere the pid decides.
        guard current != nil, let state = statFields(of: pid)?.first?.first else { return true }
        return state != UInt8(ascii: "Z") && state != UInt8(ascii: "X")
    }

    /// The fields of `/proc/PID/stat` after the command name: the state first.
    private static func statFields(of pid: Int) -> [ArraySlice<UInt8>]? {
        guard let stat = try? FileContents.read("/proc/\(pid)/stat", limit: 4096),
              // The command name, in parentheses, may hold spaces and parentheses itself.
              let close = stat.lastIndex(of: UInt8(ascii: ")"))
        else { return nil }
        return stat[(close + 1)...].split(separator: UInt8(ascii: " "))
    }

    /// The identity `run`'s latest attempt recorded in `journal`, if it did. Nil while that
    /// attempt's `run.started` is not written yet (a resume claims the run first): the record
    /// there is the attempt before's, whose process is another, and the pid alone must decide.
    public static func latest(in journal: [JournalRecord], of run: RunRecord) -> String? {
        guard let started = journal.last(where: { $0.kind == .runStarted }), started.body["attempt"]?.integer == run.attempts else { return nil }
        return started.body["process"]?.string
    }
}
