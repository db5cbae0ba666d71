// Whether the process a run's record names is still there: what tells a run going on from one
// that was killed, for resuming it and for listing it.
import PayrunJournal
import Glibc

extension RunRecord {
    /// Whether the process that ran this run's latest attempt is alive on `host` (this machine):
    /// false for another machine's, which this one cannot see.
    public func processIsAlive(on host: String) -> Bool {
        self.host == host && (kill(pid_t(processID), 0) == 0 || errno == EPERM)
    }

    /// Its status as a person should read it: one recorded as running whose process on this
    /// machine is gone (killed, or the machine restarted) is not running, and resumes when its
    /// job runs again.
    public var describedStatus: String {
        guard status == .running, host == RunStart.currentHost, !processIsAlive(on: RunStart.currentHost) else { return status.rawValue }
        return "stopped (process \(processID) gone)"
    }
}
