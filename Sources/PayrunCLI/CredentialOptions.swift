// The options every command that uses credentials shares.
import ArgumentParser
import PayrunRuntime

extension PayrunEnvironment: ExpressibleByArgument {}

struct CredentialOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The credentials file (default: $XDG_CONFIG_HOME/payrun/credentials.toml).", valueName: "file"))
    var credentials: String?

    var path: String {
        credentials ?? FileCredentialStore.defaultPath(environment: ProcessEnvironment.variables())
    }

    /// The file store, with PAYRUN_<ENV>_<PROVIDER>_<FIELD> variables over it.
    func loadStore() throws -> (FileCredentialStore, any CredentialStore) {
        do {
            let file = try FileCredentialStore(path: path)
            return (file, EnvironmentOverrides(over: file, variables: ProcessEnvironment.variables()))
        } catch {
            throw ValidationError(error.description)
        }
    }
}
