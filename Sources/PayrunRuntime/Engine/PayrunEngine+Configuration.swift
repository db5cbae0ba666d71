// What an engine is made with: the providers, the environment and its credentials, the
// sandbox's limits, who serves the `sandbox` environment, and what the host adds.

extension PayrunEngine {
    /// An engine's settings. The defaults run scripts against nothing: a host registers
    /// providers and a sandbox server, or uses the `Payrun` module's `Configuration.standard`,
    /// which runs scripts as `payrun run` does (the built-in providers, the simulators in process).
    public struct Configuration: Sendable {
        /// The providers scripts reach with `payrun.provider`.
        public var providers: ProviderRegistry
        /// Where requests go and whose credentials they use.
        public var environment: PayrunEnvironment
        public var credentials: any CredentialStore
        /// Every run's limits, unless its options say otherwise.
        public var sandbox: SandboxOptions
        /// Who serves the `sandbox` environment; nil for none.
        public var sandboxServer: (any SandboxServer)?
        public var http: HTTPSettings
        public var retryPolicy: RetryPolicy
        /// Who says yes to a mutation in `live`; by default no one is asked, and it is refused.
        public var confirmation: any ConfirmationPrompt
        /// Every live mutation approved in advance (`payrun run --yes`).
        public var approvesLiveMutations: Bool
        /// What failure messages add for the person who can fix them.
        public var hints: ScriptHints
        /// Globals every run gets.
        public var host: [HostLibrary]
        /// How many scripts run at once; more wait for a thread.
        public var luaThreads: Int
        /// Where runs and their journals are kept; nil (the default) journals nothing. With a
        /// store every run is durable: its mutations are journaled, and a run of a job whose last
        /// run did not finish resumes it (see ``RunOptions/runKey``).
        public var store: (any RunStore)?
        /// The hosts besides the providers scripts may reach with `payrun.http`, and whose
        /// credentials each may receive; none by default.
        public var allowedHosts = AllowedHosts()

        public init(
            providers: ProviderRegistry = ProviderRegistry(), environment: PayrunEnvironment = .sandbox,
            credentials: any CredentialStore = MemoryCredentialStore(), sandbox: SandboxOptions = SandboxOptions(),
            sandboxServer: (any SandboxServer)? = nil, http: HTTPSettings = HTTPSettings(), retryPolicy: RetryPolicy = RetryPolicy(),
            confirmation: any ConfirmationPrompt = NoConfirmationPrompt(), approvesLiveMutations: Bool = false,
            hints: ScriptHints = ScriptHints(), host: [HostLibrary] = [], luaThreads: Int = 8, store: (any RunStore)? = nil
        ) {
            self.store = store
            self.providers = providers
            self.environment = environment
            self.credentials = credentials
            self.sandbox = sandbox
            self.sandboxServer = sandboxServer
            self.http = http
            self.retryPolicy = retryPolicy
            self.confirmation = confirmation
            self.approvesLiveMutations = approvesLiveMutations
            self.hints = hints
            self.host = host
            self.luaThreads = luaThreads
        }
    }
}
