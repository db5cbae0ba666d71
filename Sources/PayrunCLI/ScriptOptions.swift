// The options of the commands that run Lua (`run`, `repl` and `listen`): limits, environment, credentials.
import Foundation
import ArgumentParser
import Payrun

struct ScriptOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Stop the script after this long: seconds, or 30s, 5m, 1h. Default: no limit for run; 5m a handler for listen; in the REPL it limits each entry.",
        valueName: "duration"))
    var timeout: TimeLimit?

    @Option(help: ArgumentHelp("The most memory the script may use: bytes, or with K, M or G.", valueName: "size"))
    var maxMemory: ByteCount = ByteCount(argument: "256M")!

    @Flag(help: "Let scripts read unassigned globals (as nil) and create globals inside functions.")
    var noStrict = false

    @Option(help: ArgumentHelp("Where requests go and whose credentials they use: sandbox (the default: built-in simulators), test or live.", valueName: "env"))
    var env: PayrunEnvironment = .sandbox

    @Flag(help: "Approve every mutating request to a live provider without asking on the terminal.")
    var yes = false

    @Flag(help: "Trace each provider request on standard error: method, URL, status, time, retries (secrets redacted).")
    var verbose = false

    @OptionGroup var credentialOptions: CredentialOptions

    @Option(help: ArgumentHelp(
        "Let payrun.http reach this host (repeatable); =SERVICE lets that service's credentials go there too. Also: allow_hosts in the config file.",
        valueName: "host[:port][=service]"))
    var allowHost: [String] = []

    @Option(name: .customLong("lib"), help: ArgumentHelp("Also look for modules in this folder (repeatable).", valueName: "path"))
    var libraryPaths: [String] = []

    func validate() throws {
        do {
            _ = try AllowedHosts(parsing: allowHost)
        } catch {
            throw ValidationError("--allow-host \(error.description)")
        }
        if let timeout, !(timeout.seconds > 0 && timeout.seconds.isFinite) {
            // Limits are kept to the millisecond: 0.0004 is 0 ms.
            throw ValidationError("--timeout must be at least 1ms, in seconds or such as 30s or 5m")
        }
        // A limit below what a script's first values take stops it at its first table.
        guard maxMemory.bytes >= 64 << 10 else { throw ValidationError("--max-memory must be at least 64K") }
        try Self.checkLibraryFolders(libraryPaths)
    }

    /// A mistyped `--lib` folder would only show as a module or provider not found, later.
    static func checkLibraryFolders(_ paths: [String]) throws {
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
                throw ValidationError("--lib \(path): there is no such folder")
            }
        }
    }

    /// The sandbox these options describe.
    var sandbox: SandboxOptions {
        SandboxOptions(strictGlobals: !noStrict, memoryLimit: maxMemory.bytes, timeLimit: timeout?.seconds, libraryPaths: libraryPaths)
    }

    /// An engine with these options, the built-in providers, those declared where a script at
    /// `scriptPath` finds them, and the credential store; its messages name this command's flags.
    func makeEngine(scriptPath: String? = nil) throws -> PayrunEngine {
        PayrunEngine(try makeConfiguration(scriptPath: scriptPath))
    }

    /// The engine's configuration these options describe, to add to before making it.
    /// - Parameter scriptPath: where declared providers are looked for first (its folder's
    ///   `providers/`); nil for the current folder.
    func makeConfiguration(scriptPath: String? = nil) throws -> PayrunEngine.Configuration {
        let (_, credentials) = try credentialOptions.loadStore()
        let variables = ProcessEnvironment.variables()
        var configuration = PayrunEngine.Configuration.standard(environment: env, credentials: credentials)
        configuration.providers = try Self.providers(scriptPath: scriptPath, libraryPaths: libraryPaths, variables: variables)
        for unread in Self.unreadCredentials(in: credentials, of: configuration.providers) {
            StandardStreams.shared.write("payrun: warning: \(unread)\n", to: .standardError)
        }
        configuration.sandbox = sandbox
        // PAYRUN_SANDBOX_URL points the sandbox environment at a `payrun sandbox` already
        // running (to watch its /_sandbox/requests, or to share one between runs).
        if let running = variables["PAYRUN_SANDBOX_URL"] { configuration.sandboxServer = RunningSandbox(url: running) }
        configuration.http = HTTPSettings(environment: variables)
        configuration.confirmation = TerminalPrompt()
        configuration.approvesLiveMutations = yes
        configuration.hints = Self.hints
        configuration.luaThreads = 1
        configuration.allowedHosts = try allowedHosts(variables: variables)
        return configuration
    }

    /// A credential, set by hand in the file or by a variable, that its provider never reads
    /// (`particeep.api_secrett`): said at start, where a misspelt name would only show as the
    /// credential a live request lacks.
    static func unreadCredentials(in store: any CredentialStore, of registry: ProviderRegistry) -> [String] {
        PayrunEnvironment.allCases.flatMap { environment in
            store.names(in: environment).compactMap { name -> String? in
                guard let provider = registry.notReading(name) else { return nil }
                return "\(name) (\(environment)) is no credential of \(provider.name)'s, and is not used; its credentials are "
                    + provider.credentialFields.joined(separator: ", ")
            }
        }
    }

    /// The built-in providers and the declared ones a script at `scriptPath` finds.
    /// - Throws: exit status 2 once a definition's file and field are on standard error.
    static func providers(scriptPath: String?, libraryPaths: [String], variables: [String: String]) throws -> ProviderRegistry {
        let search = DeclaredProviderSearch(scriptPath: scriptPath, libraryPaths: libraryPaths, environment: variables)
        do {
            return try search.registering(into: BuiltInProviders.registry)
        } catch {
            throw definitionFailure(error)
        }
    }

    /// Says what is wrong with a definition, without the usage text a mistyped flag gets.
    static func definitionFailure(_ error: DefinitionError) -> ExitCode {
        configurationFailure("provider definition \(error.description)")
    }

    /// Says what is wrong with what the operator configured (a definition, the config file),
    /// with exit status 2 and without the usage text a mistyped flag gets: the flags were right.
    static func configurationFailure(_ message: String) -> ExitCode {
        StandardStreams.shared.write("payrun: \(message)\n", to: .standardError)
        StandardStreams.shared.flush()
        return ExitCode(PayrunExitStatus.usage.rawValue)
    }

    /// The config file's `allow_hosts`, then the `--allow-host` flags.
    private func allowedHosts(variables: [String: String]) throws -> AllowedHosts {
        var entries: [AllowedHosts.Entry] = []
        if let path = ConfigFile.path(environment: variables) {
            do {
                entries = try ConfigFile.load(path: path).allowedHosts
            } catch {
                throw Self.configurationFailure(String(describing: error))
            }
        }
        return AllowedHosts(entries + (try AllowedHosts(parsing: allowHost).entries))
    }

    /// What `payrun`'s messages add: its own flags and commands.
    static let hints = ScriptHints(
        timeLimit: "raise it with --timeout", memoryLimit: "raise it with --max-memory",
        missingCredential: { name, environment in
            // A field its provider never reads cannot be set either: said as such.
            CredentialsCommand.Set.unread(name)
                ?? "set it with `payrun credentials set \(name) --env \(environment)` or the variable "
                + EnvironmentOverrides.variableName(for: name, in: environment)
        })
}
