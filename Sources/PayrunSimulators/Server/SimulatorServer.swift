// Serves the simulators over HTTP, on loopback by default: in the foreground for
// `payrun sandbox`, or in process on an ephemeral port for scripts and tests.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird
import Logging

/// The simulators, served from one HTTP server, each under its own path prefix.
public final class SimulatorServer: Sendable {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        /// 0 picks a free port.
        public var port = 0
        public var particeep = ParticeepSimulator.Configuration()
        /// Log each request (method, path, status, time; never headers) here.
        public var requestLog: (@Sendable (String) -> Void)?

        public init() {}
    }

    /// The base URL clients use, e.g. `http://127.0.0.1:49321`.
    public let baseURL: String
    private let task: Task<Void, any Error>

    private init(baseURL: String, task: Task<Void, any Error>) {
        self.baseURL = baseURL
        self.task = task
    }

    /// Starts the server and returns once it is accepting connections.
    public static func start(_ configuration: Configuration = Configuration()) async throws -> SimulatorServer {
        let router = Router()
        if let log = configuration.requestLog { router.add(middleware: RequestLogging(log: log)) }
        ParticeepSimulator(configuration.particeep).addRoutes(to: router)
        let (addresses, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "payrun.sandbox")
        logger.logLevel = .critical  // cancelling the server to stop it is not an error worth a line
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger)
        let task = Task { try await application.run() }
        var port = 0
        for await bound in addresses { port = bound }
        guard port != 0 else {
            task.cancel()
            throw SimulatorError(description: "the simulators could not listen on \(configuration.host):\(configuration.port)")
        }
        return SimulatorServer(baseURL: "http://\(configuration.host):\(port)", task: task)
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

public struct SimulatorError: Error, CustomStringConvertible {
    public let description: String
}

/// One line per request: method, path, status, milliseconds. Headers (which hold credentials)
/// and bodies are never logged.
struct RequestLogging<Context: RequestContext>: RouterMiddleware {
    let log: @Sendable (String) -> Void

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        func line(_ status: Int) -> String {
            let elapsed = ContinuousClock.now - start
            let tenths = Int(elapsed.components.seconds) * 10_000 + Int(elapsed.components.attoseconds / 100_000_000_000_000)
            return "\(request.method) \(request.uri.path) \(status) \(tenths / 10).\(tenths % 10) ms"
        }
        do {
            let response = try await next(request, context)
            log(line(response.status.code))
            return response
        } catch let error as any HTTPResponseError {
            log(line(error.status.code))
            throw error
        }
    }
}
