// Whether the process a run's record names is still there: what tells a run going on from one
// that was killed, for resuming it and for listing it. A pid alone is not enough: once the run's
// process is gone, the kernel may give its pid to another (after a reboot, or on a busy machine),
// and the run would be taken for one still going until that process ended. So a live process
// counts only if it started before the run's attempt did.
import PayrunJournal
import PayrunProviderKit
import Glibc

extension RunRecord {
    /// Whether the process that ran this run's latest attempt is alive on `host` (this machine):
    /// false for another machine's, which this one cannot see.
    /// - Parameter attemptBegan: when that attempt began (seconds since 1970), if known: a process
    ///   with the pid that started after it is another one.
    public func processIsAlive(on host: String, attemptBegan: Int? = nil) -> Bool {
        guard self.host == host, kill(pid_t(processID), 0) == 0 || errno == EPERM else { return false }
        guard let attemptBegan, let started = Self.startTime(ofProcess: processID) else { return true }
        // The start time is known to a clock tick and the boot time to a second; the attempt's
        // time is whole seconds: two seconds of slack.
        return started <= Double(attemptBegan) + 2
    }

    /// Its status as a person should read it: one recorded as running whose process on this
    /// machine is gone (killed, or the machine restarted) is not running, and resumes when its
    /// job runs again.
    public var describedStatus: String {
        // A first attempt began when the run did; a later one's time is in the journal.
        guard status == .running, host == RunStart.currentHost,
              !processIsAlive(on: RunStart.currentHost, attemptBegan: attempts == 1 ? startedAt : nil)
        else { return status.rawValue }
        return "stopped (process \(processID) gone)"
    }

    /// When process `pid` started, in seconds since 1970, from `/proc`: its start in clock ticks
    /// after boot (the 22nd field of `/proc/<pid>/stat`) and the boot time (`btime` in
    /// `/proc/stat`). Nil when either cannot be read.
    static func startTime(ofProcess pid: Int) -> Double? {
        let text = { (path: String) in (try? FileContents.read(path, limit: 1 << 16)).map { String(decoding: $0, as: UTF8.self) } }
        guard let stat = text("/proc/\(pid)/stat"),
              // The command name, in parentheses, may hold spaces and parentheses itself.
              let close = stat.lastIndex(of: ")")
        else { return nil }
        // After the name: the state (field 3) first, so the start time (field 22) is the 20th.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let ticks = Double(fields[19]),
              let system = text("/proc/stat"),
              let line = system.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
              let boot = Double(line.dropFirst("btime ".count))
        else { return nil }
        let perSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        return perSecond > 0 ? boot + ticks / perSecond : nil
    }
}
