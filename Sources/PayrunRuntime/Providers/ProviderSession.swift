// What one script run needs to reach providers: the registry, the environment and credentials,
// one HTTP transport shared by every client, and the simulators for the sandbox environment,
// started the first time a script asks for a provider there.
import LuaKit
import PayrunFormats
import PayrunLocks
import Synchronization

/// Provider access for one script run.
public final class ProviderSession {
    public let registry: ProviderRegistry
    public let environment: PayrunEnvironment
    let credentials: any CredentialStore
    let settings: HTTPSettings
    let retryPolicy: RetryPolicy
    let trace: (@Sendable (RequestTrace) -> Void)?
    /// Mutating requests are described, not sent; reads go through (`--dry-run`).
    public let dryRun: Bool
    /// Every attempt of every request is noted for the script's standard error (`--verbose`).
    public let verbose: Bool
    /// The hosts besides the providers `payrun.http` may reach.
    public let allowedHosts: AllowedHosts
    /// Lines for the script's standard error, written from the Lua thread after each call (the
    /// attempts are traced on the network's threads).
    let notes = NoteBuffer()
    /// The last attempt of the last request sent, for `payrun repl`'s `:last`.
    private let lastAttempt = LatestTrace()
    /// Whether ``lastRequest`` is kept; off (`payrun run`), requests pay nothing for it. Set it
    /// before the first provider is asked for: clients take their tracing when made.
    public var keepsLastRequest = false
    /// Starts the simulators (once) and returns their base URL.
    let startSandbox: (@Sendable () async throws -> String)?
    /// Gives the transport the host shares between sessions (an engine's): used, never shut
    /// down here.
    private let sharedTransport: (@Sendable () throws -> HTTPTransport)?
    /// Attempts sent by any client of the session.
    private let attempts = Counter()

    // Touched only on the Lua thread, an access at a time: those a request touches skip the
    // run-time exclusivity checks (`@exclusivity(unchecked)`).
    /// The running `payrun.parallel`, whose coroutines' requests yield instead of blocking.
    var scheduler: ParallelScheduler?
    /// What fills the reply tables handed out now (``ReplyTables``).
    @exclusivity(unchecked) var replyTables: ReplyTables?
    /// What the unread reply tables and pages hold.
    let unreadBudget = UnreadTablesBudget()
    /// How a request's wait hears the script's stop, and the state it watches: made once, not
    /// for each request (an object and a closure a request).
    @exclusivity(unchecked) private var stopCheck: (stopper: LuaStopper, check: BlockingIO.StopCheck)?
    /// The journal of a durable run: its mutations are recorded and, resumed, answered from it.
    public internal(set) var journal: RunJournal?
    private var warned: Set<String> = []
    private var transport: HTTPTransport?
    private var sandboxServer: String?
    /// Each provider's cache (its token), shared by all its clients in the run.
    private var caches: [String: ProviderCache] = [:]

    /// Whether a call on `stack` waits for its answer by yielding (a coroutine of the running
    /// `payrun.parallel`), rather than on its thread.
    func waitsByYielding(_ stack: LuaStack) -> Bool {
        scheduler?.waitsByYielding(stack) ?? false
    }

    /// How a wait on `stack`'s thread hears its script's stop.
    func stopCheck(for stack: LuaStack) -> BlockingIO.StopCheck {
        let stopper = stack.stopper
        if let stopCheck, stopCheck.stopper == stopper { return stopCheck.check }
        let check = BlockingIO.StopCheck { stopper.stopReason != nil }
        stopCheck = (stopper, check)
        return check
    }

    /// - Parameters:
    ///   - startSandbox: serves the `sandbox` environment: starts the simulators and returns
    ///     their base URL. Called at most once, when a script first needs it.
    ///   - trace: receives every attempt of every request.
    ///   - verbose: also note each attempt on the script's standard error, secrets redacted.
    ///   - dryRun: describe mutating requests on standard error instead of sending them.
    ///   - allowedHosts: the hosts besides the providers `payrun.http` may reach.
    ///   - transport: gives one to share with other sessions, asked when a provider is first
    ///     needed and never shut down here; by default the session makes its own then, and
    ///     closes it in ``close()``.
    public init(
        registry: ProviderRegistry, environment: PayrunEnvironment, credentials: any CredentialStore,
        settings: HTTPSettings = HTTPSettings(), retryPolicy: RetryPolicy = RetryPolicy(),
        trace: (@Sendable (RequestTrace) -> Void)? = nil, verbose: Bool = false, dryRun: Bool = false,
        startSandbox: (@Sendable () async throws -> String)? = nil, allowedHosts: AllowedHosts = AllowedHosts(),
        transport: (@Sendable () throws -> HTTPTransport)? = nil
    ) {
        self.allowedHosts = allowedHosts
        self.sharedTransport = transport
        self.verbose = verbose
        self.dryRun = dryRun
        self.registry = registry
        self.environment = environment
        self.credentials = credentials
        self.settings = settings
        self.retryPolicy = retryPolicy
        self.trace = trace
        self.startSandbox = startSandbox
    }

    /// Why `name` names no provider, and what the providers are: nil when it names one.
    func unknownProvider(_ name: String) -> String? {
        guard registry.provider(named: name) == nil else { return nil }
        let near = NearestName.to(name, among: registry.names).map { " (did you mean '\($0)'?)" } ?? ""
        return "no provider '\(name)'\(near); the providers are \(registry.names.joined(separator: ", ")) "
            + "(a provider of your own is declared in providers/\(name).lua next to the script, in a --lib folder or in "
            + "$XDG_CONFIG_HOME/payrun/providers/)"
    }

    /// A client for `name` in this session's environment.
    func client(for name: String, stack: LuaStack) throws -> ProviderClient {
        guard let provider = registry.provider(named: name) else {
            throw ProviderError(provider: "payrun", message: unknownProvider(name) ?? "no provider '\(name)'")
        }
        if environment == .sandbox, sandboxServer == nil, let startSandbox {
            sandboxServer = try BlockingWait.run(stoppable: stack, startSandbox)
        }
        let cache = caches[provider.name] ?? ProviderCache()
        caches[provider.name] = cache
        return try ProviderClient(
            provider: provider, environment: environment,
            credentials: ProviderCredentials(for: provider, in: environment, from: credentials),
            http: try httpClient(), sandboxServer: sandboxServer, cache: cache)
    }

    /// A client over the session's transport, with its retries and tracing: what providers and
    /// `payrun.http` send with.
    func httpClient() throws -> ProviderHTTPClient {
        if transport == nil { transport = try sharedTransport?() ?? HTTPTransport(settings: settings) }
        return ProviderHTTPClient(transport: transport!, policy: retryPolicy, trace: tracer)
    }

    /// Writes what was noted since the last call (`--verbose` attempts, `--dry-run` requests,
    /// warnings) to the script's standard error.
    func writeNotes(to output: any ScriptOutput) {
        for line in notes.take() { output.write("payrun: \(line)\n", to: .standardError) }
    }

    /// Notes `warning` unless `provider` already warned in this run (a quota warning would
    /// otherwise repeat, with a new count, on every request).
    func warnOnce(_ warning: String, from provider: String) {
        if warned.insert(provider).inserted { notes.add(warning) }
    }

    /// The last attempt of the last request any client of this session sent, or nil before the
    /// first or when ``keepsLastRequest`` is off. Its headers are as sent: show them through ``RequestTrace/redacted(_:)``.
    public var lastRequest: RequestTrace? { lastAttempt.value.withLock { $0 } }

    /// The base URL of the simulators serving the `sandbox` environment, once a script has used them.
    public var sandboxURL: String? { sandboxServer }

    /// HTTP requests the session's clients sent, retries included.
    public var requestCount: Int { attempts.value }

    /// Counts each attempt, and passes it to the host's trace, the last attempt and the verbose
    /// notes when they are wanted.
    private var tracer: @Sendable (RequestTrace) -> Void {
        let notes = verbose ? self.notes : nil
        let lastAttempt = keepsLastRequest ? self.lastAttempt : nil
        let trace = self.trace
        let attempts = self.attempts
        return { attempt in
            attempts.increment()
            trace?(attempt)
            lastAttempt?.value.withLock { $0 = attempt }
            notes?.add(Self.describe(attempt))
        }
    }

    /// `GET https://…/v1/user/usr_1 → 200 in 12.3 ms` (`POST https://…/ (get_accounts) → …`
    /// for a request with a label), with the retry that follows, if any.
    static func describe(_ attempt: RequestTrace) -> String {
        let outcome = attempt.status.map(String.init) ?? (attempt.error ?? "no answer")
        let tenths = Int((attempt.milliseconds * 10).rounded())
        let label = attempt.label.map { " (\($0))" } ?? ""
        var line = "\(attempt.method) \(attempt.url)\(label) → \(outcome) in \(tenths / 10).\(tenths % 10) ms"
        if attempt.attempt > 1 { line += " (attempt \(attempt.attempt))" }
        if let wait = attempt.retryingAfter {
            let milliseconds = Int(wait.components.seconds) * 1000 + Int(wait.components.attoseconds / 1_000_000_000_000_000)
            line += ", retrying in \(milliseconds) ms"
        }
        return line
    }

    /// The credentials of `name`, for checking its webhooks.
    func credentials(for provider: any PaymentProvider) -> ProviderCredentials {
        ProviderCredentials(for: provider, in: environment, from: credentials)
    }

    /// Closes the connections of a transport of its own; the session can be used again after.
    public func close() {
        guard let transport, sharedTransport == nil else { return }
        self.transport = nil
        _ = try? BlockingWait.run(stoppable: nil) { await transport.shutdown() }
    }
}

/// A count kept on the network's threads.
final class Counter: Sendable {
    private let count = Atomic<Int>(0)

    var value: Int { count.load(ordering: .relaxed) }

    func increment() {
        count.add(1, ordering: .relaxed)
    }
}

/// The newest attempt, set on the network's threads.
private final class LatestTrace: Sendable {
    let value = Locked<RequestTrace?>(nil)
}

/// Lines noted on any thread, taken on the Lua thread.
final class NoteBuffer: Sendable {
    private let lines = Locked<[String]>([])

    func add(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    func take() -> [String] {
        lines.withLock { lines in
            defer { lines = [] }
            return lines
        }
    }
}
