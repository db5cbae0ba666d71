// A Hummingbird application running in a task on a chosen or free port: the simulators, the
// benchmark's reference server and the tests' webhook receiver all start this way.
import Hummingbird
import Logging

/// A started HTTP server and the port it listens on.
public struct RunningApplication: Sendable {
    public let port: Int
    private let task: Task<Void, any Error>

    /// Serves `router` on `host`:`port` (0 picks a free port) and returns once it accepts
    /// connections.
    /// - Throws: `SimulatorError` when the address cannot be bound.
    public static func start<Context: RequestContext>(
        _ router: Router<Context>, host: String = "127.0.0.1", port: Int = 0
    ) async throws -> RunningApplication where Context.Source == ApplicationRequestContextSource {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "payrun.sandbox")
        logger.logLevel = .critical  // cancelling the server to stop it is not an error worth a line
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger)
        let task = Task {
            // If binding fails, run() throws before onServerRunning: end the wait below too.
            defer { continuation.finish() }
            try await application.run()
        }
        var bound = 0
        for await port in ports { bound = port }
        guard bound != 0 else {
            var reason = ""
            do { try await task.value } catch { reason = " (\(error))" }
            throw SimulatorError(description: "cannot listen on \(host):\(port)\(reason); is the port in use?")
        }
        return RunningApplication(port: bound, task: task)
    }

    /// Stops serving.
    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    /// Serves until the task running it is cancelled.
    public func wait() async throws {
        try await task.value
    }
}
