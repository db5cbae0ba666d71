// What one script run needs to reach providers: the registry, the environment and credentials,
// one HTTP transport shared by every client, and the simulators for the sandbox environment,
// started the first time a script asks for a provider there.
import LuaKit
import Synchronization

/// Provider access for one script run.
public final class ProviderSession: @unchecked Sendable {
    public let registry: ProviderRegistry
    public let environment: PayrunEnvironment
    let credentials: any CredentialStore
    let settings: HTTPSettings
    let retryPolicy: RetryPolicy
    let trace: (@Sendable (RequestTrace) -> Void)?
    /// Starts the simulators (once) and returns their base URL.
    let startSandbox: (@Sendable () async throws -> String)?

    // Touched only on the Lua thread.
    private var transport: HTTPTransport?
    private var sandboxServer: String?

    /// - Parameters:
    ///   - startSandbox: serves the `sandbox` environment: starts the simulators and returns
    ///     their base URL. Called at most once, when a script first needs it.
    ///   - trace: receives every attempt of every request (for `--verbose`).
    public init(
        registry: ProviderRegistry, environment: PayrunEnvironment, credentials: any CredentialStore,
        settings: HTTPSettings = HTTPSettings(), retryPolicy: RetryPolicy = RetryPolicy(),
        trace: (@Sendable (RequestTrace) -> Void)? = nil, startSandbox: (@Sendable () async throws -> String)? = nil
    ) {
        self.registry = registry
        self.environment = environment
        self.credentials = credentials
        self.settings = settings
        self.retryPolicy = retryPolicy
        self.trace = trace
        self.startSandbox = startSandbox
    }

    /// A client for `name` in this session's environment.
    func client(for name: String, stack: LuaStack) throws -> ProviderClient {
        guard let provider = registry.provider(named: name) else {
            throw ProviderError(provider: name, message: "no provider '\(name)'; the providers are \(registry.names.joined(separator: ", "))")
        }
        if environment == .sandbox, sandboxServer == nil, let startSandbox {
            sandboxServer = try BlockingWait.run(stoppable: stack, startSandbox)
        }
        if transport == nil { transport = try HTTPTransport(settings: settings) }
        return try ProviderClient(
            provider: provider, environment: environment,
            credentials: ProviderCredentials(for: provider, in: environment, from: credentials),
            http: ProviderHTTPClient(transport: transport!, policy: retryPolicy, trace: trace), sandboxServer: sandboxServer)
    }

    /// The credentials of `name`, for checking its webhooks.
    func credentials(for provider: any PaymentProvider) -> ProviderCredentials {
        ProviderCredentials(for: provider, in: environment, from: credentials)
    }

    /// Closes the connections; the session can be used again after.
    public func close() {
        guard let transport else { return }
        self.transport = nil
        _ = try? BlockingWait.run(stoppable: nil) { await transport.shutdown() }
    }
}
