// The `:` commands of `payrun repl`: help, the environment, the providers, loading a file, the
// last request. Whatever they print goes through the session's redacting output like the rest.
import LuaKit

extension ReplSession {
    /// The words Tab offers for `text`, the text before the cursor: names, fields, methods,
    /// endpoints, commands and files, each function's followed by `(`.
    /// - Returns: where (a character offset into `text`) the word they replace starts.
    public func completions(for text: String) -> (start: Int, candidates: [String]) {
        ReplCompleter(state: state, registry: runner.providers.registry).complete(text)
    }

    func perform(_ command: SessionCommand) -> Outcome {
        switch command {
        case .help: say(help)
        case .environment: describeEnvironment()
        case .providers: describeProviders()
        case .last: describeLastRequest()
        case .load(let path): return load(path)
        case .quit: return .quit
        case .unknown(let name):
            report("unknown command ':\(name)' (the commands are \(SessionCommand.names.joined(separator: ", ")); :help says more)")
            return .failed
        }
        return .succeeded
    }

    var help: String {
        let bound = bindings.isEmpty ? "none (payrun.provider(\"name\") makes one)" : bindings.map(\.variable).joined(separator: ", ")
        return """
            Type Lua: an expression prints its value, a statement runs, and an unfinished one
            continues on the next line. Locals last for one entry; globals (x = ...) stay.
            Providers bound to globals: \(bound). Values print as payrun.inspect shows them.

              :help            this text
              :env             the environment, which credentials are set (never their values), the limits
              :providers       every provider with its methods and endpoints
              :load FILE       run a Lua file in this session; its globals stay
              :last            the last request: status, headers (secrets redacted), timing
              :quit            leave (Ctrl-D too)

            Keys: Tab completes names, fields, methods and endpoints; Up/Down walk the history and
            Ctrl-R searches it; Ctrl-C stops a running entry (or clears the line); Ctrl-A/E, Ctrl-K/U/W/Y edit.
            """
    }

    private func describeEnvironment() {
        let providers = runner.providers
        var lines: [String]
        switch runner.environment {
        case .sandbox:
            let at = providers.sandboxURL.map { " at \($0)" } ?? " (started when a provider is first used)"
            lines = ["environment: sandbox, the built-in simulators\(at): no real money moves"]
        case .test:
            lines = ["environment: test, the providers' own test systems"]
        case .live:
            lines = ["environment: LIVE, the providers' production systems: real money moves, and every mutating request asks first"]
        }
        lines.append("credentials (names only; values never show):")
        for provider in providers.registry.all {
            for field in provider.credentialFields {
                let name = CredentialName(provider: provider.name, field: field)
                let status: String
                if runner.credentials.secret(for: name, in: runner.environment) != nil {
                    status = "set"
                } else if runner.environment == .sandbox, provider.sandboxCredentials[field] != nil {
                    status = "the simulator's"
                } else {
                    status = "not set (payrun credentials set \(name) --env \(runner.environment))"
                }
                lines.append("  " + "\(name)".padded(to: 32) + status)
            }
        }
        let memory = runner.sandbox.memoryLimit.map { SandboxOptions.shown(memoryLimit: $0) } ?? "no limit"
        let time = runner.sandbox.timeLimit.map { "\($0) s" } ?? "no limit"
        lines.append("limits: memory \(memory); time per entry \(time)")
        lines.append("history: " + (historyPath ?? "not kept"))
        say(lines.joined(separator: "\n"))
    }

    private func describeProviders() {
        let common = ProviderHandle.luaMethods.map(\.name).sorted()
        var lines: [String] = []
        for provider in runner.providers.registry.all {
            let bound = bindings.first { $0.provider == provider.name }
            lines.append(provider.name + (bound.map { " (in \($0.variable))" } ?? " (\(provider.name) = payrun.provider(\"\(provider.name)\") to use it)"))
            lines.append("  methods: " + common.joined(separator: ", "))
            if let own = provider.luaExtension?.annotations.map(\.name), !own.isEmpty {
                lines.append("  its own: " + own.joined(separator: ", "))
            }
            if !provider.endpoints.isEmpty {
                lines.append("  endpoints: " + provider.endpoints.joined(separator: " "))
            }
        }
        say(lines.joined(separator: "\n"))
    }

    private func describeLastRequest() {
        guard let last = runner.providers.lastRequest else {
            say("no request has been sent in this session yet")
            return
        }
        // The attempts always, as the help says: a first attempt's line has no "(attempt 1)".
        var lines = [ProviderSession.describe(last) + (last.attempt == 1 ? " (attempt 1)" : "")]
        lines.append("sent:")
        lines += RequestTrace.redacted(last.requestHeaders).map { "  \($0): \($1)" }
        if !last.responseHeaders.isEmpty {
            lines.append("received:")
            lines += RequestTrace.redacted(last.responseHeaders).map { "  \($0): \($1)" }
        }
        say(lines.joined(separator: "\n"))
    }

    private func load(_ path: String?) -> Outcome {
        guard let path else {
            report(":load needs a file: :load scripts/examples/reconcile.lua")
            return .failed
        }
        let source: ScriptSource
        do {
            source = try ScriptSource.read(path)
        } catch {
            report(error.description)
            return .failed
        }
        do {
            try state.stack.load(String(decoding: source.bytes, as: UTF8.self), chunkName: source.chunkName)
        } catch {
            report(error.message)
            return .failed
        }
        return run()
    }
}

extension String {
    fileprivate func padded(to width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
