// Whether the process a run's record names is still there: what tells a run going on from one
// that was killed, for resuming it and for listing it. A pid alone is not enough: once the run's
// process is gone, the kernel may give its pid to another (after a reboot, or on a busy machine),
// and the run would be taken for one still going until that process ended. So each attempt
// records which process began it (`ProcessIdentity`), and a live pid counts only if it is still
// that process.
import PayrunJournal
import Glibc

extension RunRecord {
    /// Whether the process that ran this run's latest attempt is alive on `host` (this machine):
    /// false for another machine's, which this one cannot see.
    /// - Parameter identity: the ``ProcessIdentity`` the attempt recorded, if it did (runs from
    ///   before it was kept did not): a process with the pid that is not that one does not count.
    public func processIsAlive(on host: String, startedAs identity: String? = nil) -> Bool {
        guard self.host == host, kill(pid_t(processID), 0) == 0 || errno == EPERM else { return false }
        guard let identity, let now = ProcessIdentity.of(processID) else { return true }
        return now == identity
    }

    /// Its status as a person should read it: one recorded as running whose process on this
    /// machine is gone (killed, or the machine restarted) is not running, and resumes when its
    /// job runs again.
    /// - Parameter journal: the run's records, whose latest `run.started` names the process that
    ///   began the attempt; without them only the pid is looked at.
    public func describedStatus(journal: [JournalRecord]? = nil) -> String {
        guard status == .running, host == RunStart.currentHost,
              !processIsAlive(on: RunStart.currentHost, startedAs: journal.flatMap(ProcessIdentity.latest))
        else { return status.rawValue }
        return "stopped (process \(processID) gone)"
    }
}

/// Which process a pid is: the machine's boot and the process's start in clock ticks after it,
/// which no other process of that boot shares, whatever the wall clock does meanwhile.
public enum ProcessIdentity {
    /// This process's.
    public static let current: String? = of(Int(getpid()))

    /// Process `pid`'s, as `<boot id> <start>`; nil when `/proc` cannot say.
    public static func of(_ pid: Int) -> String? {
        guard let boot = text("/proc/sys/kernel/random/boot_id")?.split(separator: "\n").first,
              let stat = text("/proc/\(pid)/stat"),
              // The command name, in parentheses, may hold spaces and parentheses itself.
              let close = stat.lastIndex(of: ")")
        else { return nil }
        // After the name: the state (field 3) first, so the start (field 22) is the 20th.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, UInt64(fields[19]) != nil else { return nil }
        return "\(boot) \(fields[19])"
    }

    /// The identity the latest attempt in `journal` recorded, if any.
    public static func latest(in journal: [JournalRecord]) -> String? {
        journal.last { $0.kind == .runStarted }?.body["process"]?.string
    }

    private static func text(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = fread(&buffer, 1, buffer.count, file)
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : nil
    }
}
