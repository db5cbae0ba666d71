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
            throw Self.refusal("--credentials \(credentials): there is no such file; `payrun credentials set NAME --credentials \(credentials)` makes it")
        }
        do {
            let file = try FileCredentialStore(path: path)
            return (file, EnvironmentOverrides(over: file, variables: ProcessEnvironment.variables()))
        } catch {
            throw Self.refusal(error.description)
        }
    }

    /// Exit status 2 with `message` alone: the file is what is wrong, not how the command was
    /// typed, so no usage block follows it.
    private static func refusal(_ message: String) -> ExitCode {
        StandardStreams.shared.write("payrun: \(message)\n", to: .standardError)
        StandardStreams.shared.flush()
        return ExitCode(PayrunExitStatus.usage.rawValue)
    }
}
