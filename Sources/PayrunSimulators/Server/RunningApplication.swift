// A Hummingbird application running in a task on a chosen or free port: the simulators, the
// benchmark's reference server and the tests' webhook receiver all start this way.
#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A started HTTP server and the port it listens on.
public struct RunningApplication: Sendable {
    public let port: Int
    private let task: Task<Void, any Error>
    /// Runs the application, and shuts it down gracefully when asked.
    private let group: ServiceGroup

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
        let group = ServiceGroup(services: [application], logger: logger)
        let task = Task {
            // If binding fails, run() throws before onServerRunning: end the wait below too.
            defer { continuation.finish() }
            try await group.run()
        }
        var bound = 0
        for await port in ports { bound = port }
        guard bound != 0 else {
            do {
                try await task.value
            } catch let error as IOError where error.errnoCode == EADDRINUSE {
                throw SimulatorError(description: "\(host):\(port) is in use: stop what listens there, or choose another --port")
            } catch let error as IOError {
                // The system's words, not NIO's call that failed.
                throw SimulatorError(description: "cannot listen on \(host):\(port) (\(String(cString: strerror(error.errnoCode)))): choose another --host or --port")
            } catch {
                throw SimulatorError(description: "cannot listen on \(host):\(port) (\(error))")
            }
            throw SimulatorError(description: "cannot listen on \(host):\(port)")
        }
        return RunningApplication(port: bound, task: task, group: group)
    }

    /// Stops serving: gracefully, so that a connection accepted just now is served and closed
    /// (cancelling the server outright could leave one never handled, and NIO traps when its
    /// writer is released unfinished); then, if a request is still held open after 2 s (a fault
    /// that holds an answer back), by cancelling.
    public func stop() async {
        await group.triggerGracefulShutdown()
        let task = self.task
        let deadline = Task {
            try await Task.sleep(for: .seconds(2))
            task.cancel()
        }
        _ = try? await task.value
        deadline.cancel()
    }

    /// Serves until the task running it is cancelled.
    public func wait() async throws {
        try await task.value
    }
}
