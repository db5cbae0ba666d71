// What a failure message adds for the person who can fix it. payrun's own messages say what
// happened; how to change a limit or set a credential depends on the host (`payrun run` has
// flags, a service has its own settings), so the host says it here.

/// Host-specific advice appended to payrun's messages.
public struct ScriptHints: Sendable {
    /// After "it ran past its time limit of 5 s", e.g. "raise it with --timeout".
    public var timeLimit: String?
    /// After "the script passed its memory limit of 256 MiB", e.g. "raise it with --max-memory".
    public var memoryLimit: String?
    /// After "no credential particeep.api_secret in the live environment", how to set it.
    public var missingCredential: (@Sendable (CredentialName, PayrunEnvironment) -> String)?

    public init(
        timeLimit: String? = nil, memoryLimit: String? = nil,
        missingCredential: (@Sendable (CredentialName, PayrunEnvironment) -> String)? = nil
    ) {
        self.timeLimit = timeLimit
        self.memoryLimit = memoryLimit
        self.missingCredential = missingCredential
    }

    /// `text`, then ` (hint)` when there is one.
    static func appending(_ hint: String?, to text: String) -> String {
        hint.map { "\(text) (\($0))" } ?? text
    }
}
