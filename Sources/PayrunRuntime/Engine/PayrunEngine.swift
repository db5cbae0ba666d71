// The embedding API: one engine per process, shared by every task that runs scripts. It holds
// what runs have in common — the providers, one HTTP transport, the credentials, the sandbox
// simulators, the limits — and gives each run a session, a Lua state and a thread of its own.
import LuaKit
import PayrunFormats
import PayrunLocks

/// Runs payrun scripts for a Swift program: `try await engine.run(.file("payout.lua"))`.
///
/// **Sharing.** An engine is `Sendable`: make one when the program starts, use it from any
/// number of tasks at once, and ``shutdown()`` it before the program ends. Nothing a run owns
/// (its Lua state, its provider session and caches, its output) is shared with another run.
///
/// **Threads.** Lua runs on the engine's own threads (``Configuration/luaThreads``), never on
/// Swift's cooperative pool: a script waiting for a provider blocks one of those, not a thread
/// other tasks need. Runs beyond the threads wait their turn.
///
/// **Cancellation.** Cancelling the task awaiting ``run(_:options:)`` stops the script within
/// about 50 ms, whether it loops, waits for a provider, sleeps or waits for a host function,
/// and `run` throws `CancellationError`.
public final class PayrunEngine: Sendable {
    public let configuration: Configuration
    /// One transport, pooling connections for every run; made when a script first needs a
    /// provider, so a run that needs none starts no network machinery.
    private let transport = Locked<HTTPTransport?>(nil)
    private let threads: LuaThreadPool
    /// The keys of the durable runs under way: two runs of one job at once would both send what
    /// the journal says is still to send.
    private let keysUnderWay = Locked<Set<String>>([])

    /// Makes the engine; its threads, connections and simulators start when runs need them.
    public init(_ configuration: Configuration) {
        self.configuration = configuration
        threads = LuaThreadPool(threads: configuration.luaThreads)
    }

    /// Runs `script` and returns how it went. A script that fails is a result, not a throw:
    /// see ``ScriptResult/status`` and ``ScriptResult/error``.
    /// - Throws: `CancellationError` when the awaiting task was cancelled and that stopped the
    ///   script (a cancellation that comes after the script finished leaves its result);
    ///   ``EngineShutDown`` after ``shutdown()``.
    public func run(_ script: Script, options: RunOptions = RunOptions()) async throws -> ScriptResult {
        try Task.checkCancellation()
        let run = EngineRun(script: script, options: options, engine: self)
        let deadline = options.deadline.map { deadline in
            Task {
                try await Task.sleep(until: deadline, clock: .continuous)
                run.stop(.timeLimit)
            }
        }
        defer { deadline?.cancel() }
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<ScriptResult?, Never>) in
                let accepted = threads.submit { continuation.resume(returning: run.execute()) }
                if !accepted { continuation.resume(returning: nil) }
            }
        } onCancel: {
            run.stop(.cancelled)
        }
        guard let result else { throw EngineShutDown() }
        if run.endedByCancellation { throw CancellationError() }
        return result
    }

    /// Claims `key` for a run about to begin; false when a run of it is under way in this engine.
    func claim(_ key: String) -> Bool {
        keysUnderWay.withLock { $0.insert(key).inserted }
    }

    func release(_ key: String) {
        keysUnderWay.withLock { _ = $0.remove(key) }
    }

    /// A runner for one run or session: its own provider session on the engine's transport,
    /// its own output.
    func makeRunner(
        output: any ScriptOutput, sandbox: SandboxOptions? = nil, verbose: Bool = false, dryRun: Bool = false,
        takesTerminationSignals: Bool = false, host: [HostLibrary] = []
    ) -> ScriptRunner {
        let configuration = self.configuration
        var startSandbox: (@Sendable () async throws -> String)?
        if let server = configuration.sandboxServer {
            startSandbox = { try await server.baseURL() }
        }
        let session = ProviderSession(
            registry: configuration.providers, environment: configuration.environment, credentials: configuration.credentials,
            settings: configuration.http, retryPolicy: configuration.retryPolicy, verbose: verbose, dryRun: dryRun,
            startSandbox: startSandbox, allowedHosts: configuration.allowedHosts, transport: { [transport, http = configuration.http] in
                try transport.withLock { made in
                    if let made { return made }
                    let new = try HTTPTransport(settings: http)
                    made = new
                    return new
                }
            })
        return ScriptRunner(
            output: output, sandbox: sandbox ?? configuration.sandbox, credentials: configuration.credentials,
            environment: configuration.environment,
            liveConfirmation: LiveConfirmation(
                environment: configuration.environment, approvedInAdvance: configuration.approvesLiveMutations,
                prompt: configuration.confirmation),
            takesTerminationSignals: takesTerminationSignals, providers: session, hints: configuration.hints,
            host: configuration.host + host)
    }

    /// A REPL session on this engine's providers, for a prompt of the host's (`payrun repl`):
    /// used from the calling thread, one entry at a time.
    /// - Throws: ``ScriptError`` naming a provider that does not exist.
    public func makeReplSession(
        providers: [String], output: any ScriptOutput, sandbox: SandboxOptions? = nil, verbose: Bool = false,
        dryRun: Bool = false, takesTerminationSignals: Bool = false
    ) throws(ScriptError) -> ReplSession {
        do throws(LuaError) {
            return try ReplSession(
                runner: makeRunner(
                    output: output, sandbox: sandbox, verbose: verbose, dryRun: dryRun, takesTerminationSignals: takesTerminationSignals),
                providers: providers)
        } catch {
            throw ScriptError(kind: .runtime, message: error.message)
        }
    }

    /// Runs `body` on one of the engine's Lua threads and returns what it returns: for a host's
    /// own loop over a ``ReplSession``, made and used inside `body`, whose entries block their
    /// thread while they wait.
    /// - Throws: ``EngineShutDown`` after ``shutdown()``.
    public func onLuaThread<Result: Sendable>(_ body: @escaping @Sendable () -> Result) async throws -> Result {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result?, Never>) in
            if !threads.submit({ continuation.resume(returning: body()) }) { continuation.resume(returning: nil) }
        }
        guard let result else { throw EngineShutDown() }
        return result
    }

    /// Takes no more runs, waits for those under way to end, then stops the engine's threads,
    /// the simulators it started and its connections. Call it before the engine goes away (as an
    /// `HTTPClient` must be shut down); runs asked for after it throw ``EngineShutDown``.
    public func shutdown() async {
        await threads.close()
        await configuration.sandboxServer?.stop()
        await transport.withLock { made in
            defer { made = nil }
            return made
        }?.shutdown()
    }
}

/// A run asked of an engine after ``PayrunEngine/shutdown()``.
public struct EngineShutDown: Error, CustomStringConvertible {
    public var description: String { "the payrun engine was shut down: it runs no more scripts" }
}
