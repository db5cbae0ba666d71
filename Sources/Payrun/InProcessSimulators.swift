// The `sandbox` environment served from this process: payrun's simulators, started on a free
// loopback port the first time a script asks for a provider, and stopped with the engine.
import PayrunRuntime
import PayrunSimulators

/// payrun's simulators, in this process.
public actor InProcessSimulators: SandboxServer {
    private let configuration: SimulatorServer.Configuration
    private var server: Task<SimulatorServer, any Error>?
    private var stopped = false

    /// - Parameter configuration: their data, faults and behaviour; by default what
    ///   `payrun run` uses.
    public init(_ configuration: SimulatorServer.Configuration = SimulatorServer.Configuration()) {
        self.configuration = configuration
    }

    public func baseURL() async throws -> String {
        guard !stopped else { throw SimulatorsStopped() }
        // One start, however many runs ask at once.
        let configuration = self.configuration
        let starting = server ?? Task { try await SimulatorServer.start(configuration) }
        server = starting
        do {
            return try await starting.value.baseURL
        } catch {
            // A start that failed (no free port) is tried again by the next run.
            if server == starting { server = nil }
            throw error
        }
    }

    /// Their state dies with this process: a run killed here cannot be resumed against them.
    public nonisolated var outlivesProcess: Bool { false }

    public func stop() async {
        stopped = true
        guard let server else { return }
        self.server = nil
        await (try? server.value)?.stop()
    }

    struct SimulatorsStopped: Error, CustomStringConvertible {
        var description: String { "the in-process simulators were stopped with their engine" }
    }
}
