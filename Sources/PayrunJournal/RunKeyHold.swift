// A job's key held by one process while a run of it goes on. A store on one machine (SQLite)
// leaves liveness to the process check (host and pid); a store shared by machines (PostgreSQL)
// holds a lock that the database lets go of when the holding process dies, wherever it ran.

/// The hold a run keeps on its job's key; see ``RunStore/holdKey(_:)``.
public final class RunKeyHold: Sendable {
    /// Whether the hold is kept by the store for every machine; false: only this machine's
    /// process check tells whether a run is still going on.
    public let spansMachines: Bool
    private let check: @Sendable () -> Bool
    private let letGo: @Sendable () async -> Void

    public init(spansMachines: Bool, isHeld: @escaping @Sendable () -> Bool, release: @escaping @Sendable () async -> Void) {
        self.spansMachines = spansMachines
        check = isHeld
        letGo = release
    }

    /// False once the store lost the hold (the connection that kept it closed): another process
    /// may take the key, so this run must not send anything more.
    public var isHeld: Bool { check() }

    /// Lets go of the key, for the next run of the job.
    public func release() async { await letGo() }

    /// The hold of a store on one machine: nothing to keep.
    public static var local: RunKeyHold { RunKeyHold(spansMachines: false, isHeld: { true }, release: {}) }
}

extension RunStore {
    public func holdKey(_ key: String) async throws(StoreError) -> RunKeyHold? { .local }
}
