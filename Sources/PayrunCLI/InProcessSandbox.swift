// The default `sandbox` environment of `payrun run`: the simulators, started in this process on a
// free loopback port the first time a script asks for a provider, so scripts run with no
// credentials and no network.
import PayrunSimulators
import Synchronization

final class InProcessSandbox: Sendable {
    static let shared = InProcessSandbox()

    private let server = Mutex<SimulatorServer?>(nil)

    /// The running simulators' base URL, starting them if need be.
    func baseURL() async throws -> String {
        if let running = server.withLock({ $0 }) { return running.baseURL }
        let started = try await SimulatorServer.start(SimulatorServer.Configuration())
        server.withLock { $0 = started }
        return started.baseURL
    }
}
