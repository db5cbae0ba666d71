// The options every command that uses credentials shares.
import ArgumentParser
import Glibc
import PayrunRuntime

extension PayrunEnvironment: ExpressibleByArgument {}

struct CredentialOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The credentials file (default: $XDG_CONFIG_HOME/payrun/credentials.toml).", valueName: "file"))
    var credentials: String?

    var path: String {
        credentials ?? FileCredentialStore.defaultPath(environment: ProcessEnvironment.variables())
    }

    /// The file store, with PAYRUN_<ENV>_<PROVIDER>_<FIELD> variables over it.
    /// - Parameter creating: the command may make the file (`credentials set`); otherwise a
    ///   `--credentials` file that is not there is refused, where a misspelt path would have run
    ///   with no credentials at all.
    func loadStore(creating: Bool = false) throws -> (FileCredentialStore, any CredentialStore) {
        if let credentials, !creating, access(credentials, F_OK) != 0 {
            throw ValidationError("--credentials \(credentials): there is no such file; `payrun credentials set NAME --credentials \(credentials)` makes it")
        }
        do {
            let file = try FileCredentialStore(path: path)
            return (file, EnvironmentOverrides(over: file, variables: ProcessEnvironment.variables()))
        } catch {
            throw ValidationError(error.description)
        }
    }
}
