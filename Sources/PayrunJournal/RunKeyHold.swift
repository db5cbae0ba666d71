// A job's key held by one process while a run of it goes on. A store on one machine (SQLite)
// leaves liveness between processes to the process check (host and pid), and holds the key in
// this process itself, where that check sees its own pid; a store shared by machines (PostgreSQL)
// holds a lock that the database lets go of when the holding process dies, wherever it ran.
#if canImport(Glibc)
import Glibc
#endif
import PayrunLocks

/// The hold a run keeps on its job's key; see ``RunStore/holdKey(_:)``.
public final class RunKeyHold: Sendable {
    /// Whether the hold is kept by the store for every machine; false: only this machine's
    /// process check tells whether a run is still going on.
    public let spansMachines: Bool
    private let check: @Sendable () -> Bool
    private let letGo: @Sendable () async -> Void
    /// Lets go of a hold kept in this process when the hold is dropped unreleased.
    private let dropped: (@Sendable () -> Void)?

    public init(spansMachines: Bool, isHeld: @escaping @Sendable () -> Bool, release: @escaping @Sendable () async -> Void) {
        self.spansMachines = spansMachines
        check = isHeld
        letGo = release
        dropped = nil
    }

    private init(inProcess release: @escaping @Sendable () -> Void) {
        spansMachines = false
        check = { true }
        letGo = release
        dropped = release
    }

    deinit { dropped?() }

    /// False once the store lost the hold (the connection that kept it closed): another process
    /// may take the key, so this run must not send anything more.
    public var isHeld: Bool { check() }

    /// Lets go of the key, for the next run of the job.
    public func release() async { await letGo() }

    /// The keys held in this process on stores of one machine, each by the place of its store and
    /// the number of its hold: a hold lets go of its key only while the key is still its own.
    private static let heldHere = Locked<(holds: [String: UInt64], made: UInt64)>(([:], 0))

    /// Holds `key` in this process for the store at `place` (its file, or any name that tells
    /// stores apart); nil while another run of this process holds it. Another process's run is
    /// told apart by the process check; this one's pid is the same.
    public static func inThisProcess(_ key: String, at place: String) -> RunKeyHold? {
        let name = storeIdentity(place) + "\u{0}" + key
        let number: UInt64? = heldHere.withLock { held in
            guard held.holds[name] == nil else { return nil }
            held.made += 1
            held.holds[name] = held.made
            return held.made
        }
        guard let number else { return nil }
        return RunKeyHold(inProcess: {
            heldHere.withLock { held in
                if held.holds[name] == number { held.holds[name] = nil }
            }
        })
    }

    /// One file reached by two paths (a symbolic link, a hard link, a bind mount) is one store:
    /// its device and inode; a place that is no file, as it is named.
    private static func storeIdentity(_ place: String) -> String {
        var status = stat()
        guard stat(place, &status) == 0 else { return place }
        return "file \(status.st_dev) \(status.st_ino)"
    }
}

extension RunStore {
    /// A store on one machine: the key held in this process, by the store's location.
    public func holdKey(_ key: String) async throws(StoreError) -> RunKeyHold? { .inThisProcess(key, at: location) }
}
