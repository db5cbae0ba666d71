// Starts a simulator server on a free loopback port for one test and always stops it.
import PayrunSimulators
import PayrunTestSupport

enum SimulatorHarness {
    /// A small data set, so each test starts in a few milliseconds.
    static func configuration(seed: UInt64 = 1) -> SimulatorServer.Configuration {
        var configuration = SimulatorServer.Configuration()
        configuration.seed = seed
        configuration.particeep.users = 50
        configuration.particeep.transactions = 200
        configuration.webhooks.firstRetryDelay = .milliseconds(20)
        configuration.webhooks.timeout = .seconds(5)
        return configuration
    }

    /// Runs `body` against a fresh server and stops it, whether `body` throws or not.
    static func withServer(
        _ configuration: SimulatorServer.Configuration = configuration(),
        _ body: (SimulatorServer, ParticeepClient) async throws -> Void
    ) async throws {
        try await SimulatorFixture.with(configuration) { server in
            try await body(server, ParticeepClient(baseURL: server.baseURL))
        }
    }
}
