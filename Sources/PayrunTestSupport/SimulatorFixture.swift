// Starts the simulators for one test and always stops them, and the same for an HTTP transport.
import PayrunProviderKit
import PayrunSimulators

public enum SimulatorFixture {
    /// Runs `body` against simulators started with `configuration`, stopping them whether
    /// `body` throws or not.
    public static func with(
        _ configuration: SimulatorServer.Configuration, _ body: (SimulatorServer) async throws -> Void
    ) async throws {
        let server = try await SimulatorServer.start(configuration)
        do {
            try await body(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    /// Runs `body` with a transport made from `settings`, shutting it down whether `body`
    /// throws or not.
    public static func with(_ settings: HTTPSettings, _ body: (HTTPTransport) async throws -> Void) async throws {
        let transport = try HTTPTransport(settings: settings)
        do {
            try await body(transport)
        } catch {
            await transport.shutdown()
            throw error
        }
        await transport.shutdown()
    }
}
