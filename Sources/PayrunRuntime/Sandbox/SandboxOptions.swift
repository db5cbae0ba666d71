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
}
