// `payrun credentials`: list, set and remove credentials without ever showing them.
import ArgumentParser
import LineEditing
import Payrun

import Glibc

struct CredentialsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credentials",
        abstract: "Manage the credentials scripts use (values are never shown).",
        discussion: """
            Credentials live in a file readable by you only (chmod 600). A variable \
            PAYRUN_<ENV>_<PROVIDER>_<FIELD>, e.g. PAYRUN_LIVE_PARTICEEP_API_SECRET, overrides the file.
            """,
        subcommands: [List.self, Set.self, Remove.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List credentials, with only a hint of each value.")

        @OptionGroup var options: CredentialOptions
        @Option(help: "Only this environment: sandbox, test or live.")
        var env: PayrunEnvironment?

        func run() throws {
            let (file, store) = try options.loadStore()
            let variables = ProcessEnvironment.variables()
            var lines: [String] = []
            for environment in PayrunEnvironment.allCases where env == nil || env == environment {
                for name in store.names(in: environment) {
                    guard let secret = store.secret(for: name, in: environment) else { continue }
                    // Which value a run gets, and from where: a variable wins over the file.
                    let variable = EnvironmentOverrides.variableName(for: name, in: environment)
                    var source = ""
                    if variables[variable] != nil {
                        source = file.secret(for: name, in: environment) == nil ? "\tfrom $\(variable)" : "\tfrom $\(variable), over the file's"
                    }
                    lines.append("\(environment)\t\(name)\t\(secret.hint)\(source)")
                }
            }
            StandardStreams.shared.write(lines.isEmpty ? "no credentials in \(options.path)\n" : lines.joined(separator: "\n") + "\n", to: .standardOutput)
        }
    }

    /// The credential a command changes, and in which environment.
    struct Target: ParsableArguments {
        @Argument(help: ArgumentHelp("The credential, as provider.field.", valueName: "provider.field"))
        var name: String
        @Option(help: "The environment: sandbox, test or live.")
        var env: PayrunEnvironment

        func credential() throws -> CredentialName {
            guard let credential = CredentialName(name) else {
                throw ValidationError("'\(name)' is not provider.field (lower-case words, e.g. particeep.api_secret)")
            }
            return credential
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a credential, reading its value from standard input (not echoed on a terminal).")

        @OptionGroup var options: CredentialOptions
        @OptionGroup var target: Target

        func run() throws {
            let credential = try target.credential()
            try Self.checkIsRead(credential)
            let env = target.env
            _ = try options.loadStore(creating: true)  // a file others can read is refused before the value is asked for
            let value = SecretReader.read(prompt: "Value for \(credential) (\(env)): ")
            guard !value.isEmpty else { throw ValidationError("no value given on standard input; nothing changed") }
            do {
                try FileCredentialStore.update(at: options.path) { file in
                    file.set(value, for: credential, in: env)
                    return true
                }
            } catch {
                throw ValidationError(error.description)
            }
            StandardStreams.shared.write("set \(credential) for \(env) in \(options.path)\n", to: .standardError)
        }

        /// Refuses a field that the provider of that name never reads. `peex.secretkey` would be
        /// stored and never used, and the next run would fail for want of `peex.secret_key`.
        /// A name that is no provider's (a service's for `payrun.http`, `postgres.password`)
        /// takes any field; declared providers are those found from the current folder.
        static func checkIsRead(_ credential: CredentialName) throws {
            if let unread = unread(credential) { throw ValidationError(unread + ". Nothing changed.") }
        }

        /// What is wrong with `credential` when its provider never reads that field; nil when
        /// it does, or names no provider.
        static func unread(_ credential: CredentialName) -> String? {
            let search = DeclaredProviderSearch(scriptPath: nil, libraryPaths: [], environment: ProcessEnvironment.variables())
            let registry = (try? search.registering(into: BuiltInProviders.registry)) ?? BuiltInProviders.registry
            guard let provider = registry.notReading(credential) else { return nil }
            return "\(provider.name) has no credential '\(credential.field)'; its credentials are \(provider.credentialFields.joined(separator: ", "))"
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a credential.")

        @OptionGroup var options: CredentialOptions
        @OptionGroup var target: Target

        func run() throws {
            let credential = try target.credential()
            let env = target.env
            var found = false
            do {
                try FileCredentialStore.update(at: options.path) { file in
                    found = file.remove(credential, in: env)
                    return found
                }
            } catch {
                throw ValidationError(error.description)
            }
            guard found else { throw ValidationError("\(options.path) has no \(credential) for \(env)") }
            StandardStreams.shared.write("removed \(credential) for \(env)\n", to: .standardError)
        }
    }
}

/// Reads a secret from standard input: with echo off on a terminal, the whole input otherwise
/// (one trailing newline dropped).
enum SecretReader {
    static func read(prompt: String) -> Secret {
        let terminal = Terminal(input: STDIN_FILENO, output: STDERR_FILENO)
        guard isatty(STDIN_FILENO) != 0 else { return secret(readAll(from: terminal)) }
        // Echo goes off before the prompt shows, so nothing typed at once is echoed either.
        let line = terminal.withoutEcho { () -> [UInt8]? in
            StandardStreams.shared.write(prompt, to: .standardError)
            return terminal.readLine(limit: 64 * 1024)
        } ?? []
        StandardStreams.shared.write("\n", to: .standardError)
        return secret(line)
    }

    private static func readAll(from terminal: Terminal) -> [UInt8] {
        var bytes: [UInt8] = []
        while let byte = terminal.readByte(waiting: true) { bytes.append(byte) }
        return bytes
    }

    private static func secret(_ bytes: [UInt8]) -> Secret {
        var bytes = bytes
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        return Secret(bytes: bytes)
    }
}

extension ProviderRegistry {
    /// The provider `credential` names, when it never reads that field (a misspelt
    /// `api_secrett`); nil when it does, or when no provider has that name.
    func notReading(_ credential: CredentialName) -> (any PaymentProvider)? {
        guard let provider = provider(named: credential.provider), !provider.credentialFields.contains(credential.field) else { return nil }
        return provider
    }
}
