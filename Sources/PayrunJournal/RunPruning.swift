// Which runs `payrun runs prune` may delete. A run a later run of its key would resume must stay:
// its journal is what keeps the resumed run from paying anyone twice. Nor may a prune leave such
// a run the latest of its key by deleting the finished run after it.

/// The rule every store prunes by.
public enum RunPruning {
    /// What the rule needs to know of a run.
    public struct Run: Sendable {
        public var id: String
        public var key: String
        public var status: RunStatus
        public var endedAt: Int?
        /// The order runs of a key started in: the greatest is the one a run of the key resumes.
        public var order: Int

        public init(id: String, key: String, status: RunStatus, endedAt: Int?, order: Int) {
            self.id = id
            self.key = key
            self.status = status
            self.endedAt = endedAt
            self.order = order
        }
    }

    /// The runs that ended before `cutoff` and that no run will resume: one a later run of its key
    /// left behind, and a key's latest run when it finished and every run of its key goes with it.
    /// No run of a key in `keeping` goes: a webhook handler's whose event is not handled yet,
    /// whose finished run is what stops its next attempt from paying again.
    /// A run that failed, stopped in doubt or was interrupted, and is its key's latest, stays (a
    /// run of its key resumes it, or `payrun inbox replay` does its handler's) if its journal
    /// holds what a resumed run carries on from (`carryingOver`: a payment, a step); one that
    /// journaled nothing but its start and end would be resumed as a fresh start, and goes. One
    /// that never recorded an end (killed, or still going) stays.
    public static func prunable(_ runs: [Run], endedBefore cutoff: Int, keeping: Set<String> = [], carryingOver: Set<String>) -> Set<String> {
        func ended(_ run: Run) -> Bool { (run.endedAt ?? .max) < cutoff }
        var prunable: Set<String> = []
        for (key, keyed) in Dictionary(grouping: runs, by: \.key) where !keeping.contains(key) {
            guard let latest = keyed.max(by: { $0.order < $1.order }) else { continue }
            for run in keyed where run.id != latest.id && ended(run) { prunable.insert(run.id) }
            let resumable = !latest.status.isFinished && carryingOver.contains(latest.id)
            if !resumable && keyed.allSatisfy(ended) { prunable.insert(latest.id) }
        }
        return prunable
    }

    /// Whether a record of this kind is something a resumed run carries on from: anything but a
    /// run's start and end.
    public static func carriesOver(_ kind: String) -> Bool {
        kind != JournalRecord.Kind.runStarted.rawValue && kind != JournalRecord.Kind.runEnded.rawValue
    }
}
