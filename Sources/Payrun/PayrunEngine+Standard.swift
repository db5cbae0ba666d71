// The engine as `payrun run` has it: the built-in providers, and the simulators in this process
// for the `sandbox` environment.
import PayrunProviders
import PayrunRuntime

extension PayrunEngine.Configuration {
    /// The built-in providers in `environment` with `credentials`; in `sandbox`, payrun's
    /// simulators started in this process when a script first needs them.
    public static func standard(
        environment: PayrunEnvironment = .sandbox, credentials: any CredentialStore = MemoryCredentialStore()
    ) -> PayrunEngine.Configuration {
        PayrunEngine.Configuration(
            providers: BuiltInProviders.registry, environment: environment, credentials: credentials,
            sandboxServer: InProcessSimulators())
    }
}

extension PayrunEngine {
    /// An engine that runs scripts as `payrun run` does: ``Configuration/standard(environment:credentials:)``.
    public convenience init(environment: PayrunEnvironment = .sandbox, credentials: any CredentialStore = MemoryCredentialStore()) {
        self.init(.standard(environment: environment, credentials: credentials))
    }
}
