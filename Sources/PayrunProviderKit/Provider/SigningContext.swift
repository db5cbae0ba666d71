// What a provider's signing code works with besides the request: its credentials, a cache that
// lasts the run (a token fetched once serves every request), and requests of its own, such as
// fetching that token from an authorization server, sent with payrun's timeouts, tracing and
// retry rules, and only to the provider's own hosts.
import PayrunFormats

/// The credentials and services a provider signs requests with.
public struct SigningContext: Sendable {
    public let credentials: ProviderCredentials
    public let environment: PayrunEnvironment
    /// The base URL of the running simulators, in `sandbox`.
    public let sandboxServer: String?
    /// Values kept for the rest of the run, shared by every client of this provider.
    public let cache: ProviderCache
    let http: ProviderHTTPClient
    let scope: CredentialScope

    init(
        credentials: ProviderCredentials, environment: PayrunEnvironment, sandboxServer: String?, cache: ProviderCache,
        http: ProviderHTTPClient, scope: CredentialScope
    ) {
        self.credentials = credentials
        self.environment = environment
        self.sandboxServer = sandboxServer
        self.cache = cache
        self.http = http
        self.scope = scope
    }

    /// Throws unless the provider's credentials may go with `request`: to its own hosts, over
    /// HTTPS or to this machine. In the sandbox, whose simulators may be anywhere
    /// (`PAYRUN_SANDBOX_URL`), only the second half holds: its credentials may be an operator's own.
    func checkScope(of request: ProviderRequest) throws(ProviderError) {
        let provider = credentials.provider
        if environment == .sandbox {
            guard CredentialScope.isPlainBeyondThisMachine(request.url) else { return }
            throw ProviderError(
                provider: provider,
                message: "refusing to send \(provider) credentials to \(request.url): over plain HTTP they go only to this machine "
                    + "(127.0.0.1, [::1], localhost); run the sandbox here, or reach it over HTTPS")
        }
        guard scope.allows(provider: provider, toward: request.url) else {
            throw ProviderError(provider: provider, message: "refusing to send \(provider) credentials to \(request.url)")
        }
    }

    /// Sends `request` as it is, unsigned, and returns the answer whatever its status.
    /// - Throws: `ProviderError` when `url` is not one of the provider's hosts (credentials
    ///   travel only there), or when there was no answer.
    public func send(_ request: ProviderRequest) async throws(ProviderError) -> ProviderResponse {
        let provider = credentials.provider
        try checkScope(of: request)
        do {
            return try await http.send(request)
        } catch {
            throw ProviderError(provider: provider, message: error.description, retryable: error.isRetryable)
        }
    }
}
