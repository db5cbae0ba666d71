// What a script's sandbox allows it and how far it may go.

/// The sandbox every script runs in. The defaults are what `payrun run` uses.
public struct SandboxOptions: Sendable {
    /// Reading an unassigned global or creating one inside a function is an error.
    public var strictGlobals: Bool
    /// The most memory the script may allocate, in bytes; nil for no cap.
    public var memoryLimit: Int?

    /// How long the script may run, in seconds; nil for no limit.
    public var timeLimit: Double?
    /// Folders `require` searches after the script's own (`--lib`).
    public var libraryPaths: [String]

    public static let defaultMemoryLimit = 256 * 1024 * 1024

    public init(
        strictGlobals: Bool = true, memoryLimit: Int? = SandboxOptions.defaultMemoryLimit, timeLimit: Double? = nil,
        libraryPaths: [String] = []
    ) {
        self.strictGlobals = strictGlobals
        self.memoryLimit = memoryLimit
        self.timeLimit = timeLimit
        self.libraryPaths = libraryPaths
    }

    /// A memory limit as people write it: `256 MiB`, `512 KiB` (a limit under a MiB is not `0 MiB`).
    public static func shown(memoryLimit bytes: Int) -> String {
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 || bytes >= 16 << 20 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }
}
