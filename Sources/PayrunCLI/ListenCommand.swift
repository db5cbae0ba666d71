// `payrun listen`: receives providers' webhooks, keeps every verified one, and hands each to the
// handlers a Lua file registers with `payrun.on`.
import ArgumentParser
import NIOCore
import Payrun
import PayrunListener
import PayrunPostgres

import Glibc

struct ListenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen",
        abstract: "Receive providers' webhooks into the inbox and hand each to a Lua handler.",
        discussion: """
            Serves POST /webhooks/<provider> for every provider that verifies webhooks, and GET /health. \
            A verified event is stored before it is answered 2xx, once per provider and event id; \
            its handlers run as a durable run keyed by the event, retried on failure. See \
            docs/webhooks.md.
            """
    )

    @OptionGroup var options: ScriptOptions

    @OptionGroup var stateOptions: StateOptions

    @Option(help: ArgumentHelp("The port to listen on; 0 picks a free one.", valueName: "port"))
    var port = 8600

    @Option(help: ArgumentHelp("The address to listen on (0.0.0.0 for every interface, behind a proxy).", valueName: "address"))
    var host = "127.0.0.1"

    @Option(help: ArgumentHelp("Events handed to handlers at once.", valueName: "n"))
    var concurrency = 1

    @Option(help: ArgumentHelp("The waits between a failed handler's attempts, then dead (default: 5s,30s,2m,10m,30m,1h,2h,4h,8h).", valueName: "waits"))
    var retry: String?

    @Option(help: ArgumentHelp("The largest body accepted: bytes, or with K, M or G; larger is answered 413.", valueName: "size"))
    var bodyLimit: ByteCount = ByteCount(argument: "1M")!

    @Option(help: ArgumentHelp("After SIGTERM, how long running handlers have to finish.", valueName: "wait"))
    var grace = "30s"

    @Option(help: ArgumentHelp("How long a request's head may take to arrive; a slower sender is cut off.", valueName: "wait"))
    var headTimeout = "10s"

    @Option(help: ArgumentHelp("How long a request's body may take to arrive after its head.", valueName: "wait"))
    var bodyTimeout = "30s"

    @Argument(help: ArgumentHelp("The Lua file that registers handlers with payrun.on.", valueName: "handlers"))
    var handlers: String

    /// Each handler run's time limit when --timeout is not given, in seconds.
    static let defaultTimeout = 300.0

    func validate() throws {
        guard (1...256).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 256") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard bodyLimit.bytes > 0 else { throw ValidationError("--body-limit must be at least 1 byte, such as 64K or 1M") }
        // An address, not a name to look up: what a listener binds to is this machine's own.
        var address = in6_addr()
        guard host == "localhost" || inet_pton(AF_INET, host, &address) == 1 || inet_pton(AF_INET6, host, &address) == 1 else {
            throw ValidationError("--host takes an address of this machine, such as 127.0.0.1, 0.0.0.0 or ::1, not '\(host)'")
        }
        for (name, value) in [("--grace", grace), ("--head-timeout", headTimeout), ("--body-timeout", bodyTimeout)] {
            guard let wait = RetrySchedule.duration(value) else { throw ValidationError("\(name) '\(value)' is not a wait such as 30s or 2m") }
            // No time at all for a request's head or body cuts every sender off, /health too.
            guard name == "--grace" || wait > .zero else { throw ValidationError("\(name) must be more than 0, such as 10s") }
        }
        if let retry {
            do { _ = try RetrySchedule.parse(retry) } catch { throw ValidationError("--retry: \(error)") }
        }
    }

    func run() async throws {
        let output = StandardStreams.shared
        // Said before the store is opened, or found in use by another listener.
        guard access(handlers, R_OK) == 0 else {
            output.write("payrun: \(handlers) cannot be used: cannot read \(handlers): \(String(cString: strerror(errno)))\n", to: .standardError)
            output.flush()
            throw ExitCode(PayrunExitStatus.usage.rawValue)
        }
        let path = stateOptions.path
        var configuration = try options.makeConfiguration(scriptPath: handlers)
        // No one is at a terminal to say yes to a live mutation: --yes approves them, or they are refused.
        configuration.confirmation = NoConfirmationPrompt()
        // A thread for each handler run at once: with one (what `payrun run` needs), --concurrency
        // claimed N events and ran their Lua one after another.
        configuration.luaThreads = concurrency
        // A handler that never ends would hold its place for ever: without --timeout, 5 minutes.
        configuration.sandbox.timeLimit = configuration.sandbox.timeLimit ?? Self.defaultTimeout
        let store = try await stateOptions.open(environment: options.env)
        let inbox: any InboxStore
        let lock: ListenerLock?
        do {
            // Listeners share a PostgreSQL inbox (leased claims); a SQLite one is one listener's.
            lock = PostgresRunStore.names(path) ? nil : try ListenerLock(store: path)
            do {
                inbox = try await stateOptions.openInbox(environment: options.env)
            } catch {
                lock?.release()
                throw error
            }
        } catch {
            await store.close()
            // A mistake in the handlers is said as it is, not hidden behind "another payrun
            // listen uses it": fixing the store first would only lead to it.
            _ = try await check(configuration: configuration, output: output)
            throw error
        }
        defer { lock?.release() }
        configuration.store = store
        let engine = PayrunEngine(configuration)
        do {
            try await serve(engine: engine, handled: try await check(engine: engine, output: output), inbox: inbox, output: output)
        } catch {
            await engine.shutdown()
            await inbox.close()
            await store.close()
            throw error
        }
        await engine.shutdown()
        await inbox.close()
        await store.close()
    }

    /// The handlers the file registers, from running it once without an event, sending nothing
    /// and journaling nothing: a mistake in it shows now, not at the first event.
    private func check(engine: PayrunEngine, output: StandardStreams) async throws -> [String] {
        var check = RunOptions()
        check.dryRun = true
        let checked = try await engine.run(Script.file(handlers), options: check)
        if let error = checked.error {
            output.write("payrun: \(handlers) cannot be used: \(error.description)\n", to: .standardError)
            output.flush()
            throw ExitCode(checked.status == .usage ? PayrunExitStatus.usage.rawValue : PayrunExitStatus.scriptFailed.rawValue)
        }
        return checked.handlers
    }

    /// ``check(engine:output:)`` in an engine of its own, without a store, shut down after.
    private func check(configuration: PayrunEngine.Configuration, output: StandardStreams) async throws -> [String] {
        let engine = PayrunEngine(configuration)
        do {
            let handled = try await check(engine: engine, output: output)
            await engine.shutdown()
            return handled
        } catch {
            await engine.shutdown()
            throw error
        }
    }

    private func serve(engine: PayrunEngine, handled: [String], inbox: any InboxStore, output: StandardStreams) async throws {
        let script = Script.file(handlers)
        let line: @Sendable (String) -> Void = { line in
            output.write(line + "\n", to: .standardError)
            output.flush()
        }
        if engine.configuration.environment == .sandbox, engine.configuration.sandboxServer?.outlivesProcess == false {
            line("payrun listen: handlers reach simulators inside this process, whose state dies with it; to share one with "
                + "`payrun run` and resume handlers after a crash, run `payrun sandbox` and set PAYRUN_SANDBOX_URL")
        }
        for warning in Self.unverifiable(handled, configuration: engine.configuration) { line("payrun listen: " + warning) }
        line("payrun listen: " + (handled.isEmpty
            ? "\(handlers) registers no handler (payrun.on): every event is kept as unhandled"
            : "handlers: " + handled.joined(separator: ", ")))
        // Unique per start: a restarted container keeps its host name and often its pid.
        var settings = ListenerConfiguration(owner: "\(RunStart.currentHost) \(getpid()) \(RunRecord.newID().dropFirst(2).prefix(8))")
        settings.host = host
        settings.port = port
        settings.concurrency = concurrency
        settings.bodyLimit = bodyLimit.bytes
        settings.grace = RetrySchedule.duration(grace)!
        settings.headTimeout = RetrySchedule.duration(headTimeout)!
        settings.bodyTimeout = RetrySchedule.duration(bodyTimeout)!
        if let retry { settings.retrySchedule = try RetrySchedule.parse(retry) }
        let listener = WebhookListener(engine: engine, inbox: inbox, handlers: script, configuration: settings, log: ListenerLog(line))
        let routes = listener.routes.map { "POST " + $0 }.joined(separator: ", ")
        do {
            try await listener.run { [host, stateOptions] port in
                line("payrun listen: listening on http://\(host):\(port) (\(routes), GET /health); inbox \(stateOptions.path)")
            }
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw StoreFailure(message: "payrun listen: \(host):\(port) is in use: stop what listens there, or choose another --port")
        } catch let error as IOError where error.errnoCode == EADDRNOTAVAIL || error.errnoCode == EACCES {
            throw StoreFailure(message: "payrun listen: cannot listen on \(host):\(port) (\(String(cString: strerror(error.errnoCode)))): choose another --host or --port")
        }
        line("payrun listen: stopped")
    }
}

extension ListenCommand {
    /// A line for each provider with handlers whose webhooks cannot be verified for want of a
    /// credential: every one of them would be answered 401, and only the log would say why.
    static func unverifiable(_ handlers: [String], configuration: PayrunEngine.Configuration) -> [String] {
        let names = Set(handlers.compactMap { $0.split(separator: " ").first.map(String.init) })
        return names.sorted().compactMap { name in
            guard let provider = configuration.providers.provider(named: name) else { return nil }
            let credentials = ProviderCredentials(for: provider, in: configuration.environment, from: configuration.credentials)
            let missing = provider.webhookCredentialFields.filter { (try? credentials.secret($0)) == nil }
            guard !missing.isEmpty else { return nil }
            let commands = missing.map { "`payrun credentials set \(name).\($0) --env \(configuration.environment)`" }.joined(separator: " and ")
            return "\(name)'s webhooks cannot be verified without \(missing.map { "\(name).\($0)" }.joined(separator: " and ")) "
                + "in \(configuration.environment): set \(missing.count > 1 ? "them" : "it") with \(commands); until then each is answered 401"
        }
    }
}

/// One listener per state store: two would both take back the events the other is handling.
struct ListenerLock {
    private let descriptor: Int32

    init(store path: String) throws {
        let lockPath = path + ".listen-lock"
        descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            // The store's own checks say what is wrong with its folder.
            throw StoreFailure(message: "state store \(path): \(lockPath) cannot be made (\(String(cString: strerror(errno))))")
        }
        // A moment's grace: `payrun inbox replay` looks at the lock (shared, for an instant).
        var held = flock(descriptor, LOCK_EX | LOCK_NB) != 0
        for _ in 0..<10 where held {
            usleep(20_000)
            held = flock(descriptor, LOCK_EX | LOCK_NB) != 0
        }
        guard !held else {
            close(descriptor)
            throw StoreFailure(message: "state store \(path): another payrun listen uses it; stop it first, or give this one its own --state")
        }
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// Whether a `payrun listen` holds the SQLite store at `path` now.
    static func isHeld(store path: String) -> Bool {
        let descriptor = open(path + ".listen-lock", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_SH | LOCK_NB) == 0 else { return true }
        flock(descriptor, LOCK_UN)
        return false
    }
}
