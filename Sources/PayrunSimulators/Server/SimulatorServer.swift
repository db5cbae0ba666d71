// Serves the simulators over HTTP, on loopback by default: in the foreground for
// `payrun sandbox`, or in process on an ephemeral port for scripts and tests.
import Hummingbird

/// The simulators, served from one HTTP server, each under its own path prefix, with the admin
/// routes under `/_sandbox`.
public final class SimulatorServer: Sendable {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        /// 0 picks a free port.
        public var port = 0
        /// Seeds the generated data and the faults' chances: the same seed, the same sandbox.
        public var seed: UInt64 = 1
        /// Start from this data instead of generated data.
        public var data: SandboxData?
        public var faults = FaultPlan()
        public var webhooks = WebhookDispatcher.Policy()
        public var particeep = ParticeepSimulator.Configuration()
        public var tradevest = TradevestSimulator.Configuration()
        public var capitalist = CapitalistSimulator.Configuration()
        public var peex = PeexSimulator.Configuration()
        /// How many requests `/_sandbox/requests` keeps.
        public var journalCapacity = 1000
        /// Log each request (method, path, status, time; never headers or bodies) here.
        public var requestLog: (@Sendable (String) -> Void)?

        public init() {}
    }

    /// The base URL clients use, e.g. `http://127.0.0.1:49321`.
    public let baseURL: String
    /// The faults in force; change them while the server runs.
    public let faults: FaultController
    /// The requests received.
    public let requests: RequestJournal
    /// The webhooks sent.
    public let webhooks: WebhookDispatcher
    private let application: RunningApplication

    private init(
        baseURL: String, faults: FaultController, requests: RequestJournal, webhooks: WebhookDispatcher, application: RunningApplication
    ) {
        self.baseURL = baseURL
        self.faults = faults
        self.requests = requests
        self.webhooks = webhooks
        self.application = application
    }

    /// The simulators the server runs, in the order `payrun sandbox` lists them.
    static let simulators: [any ProviderSimulator.Type] = [
        ParticeepSimulator.self, TradevestSimulator.self, CapitalistSimulator.self, PeexSimulator.self,
    ]

    /// Each simulated provider: its name, base URL and the sandbox credentials to use with it.
    public var providers: [SimulatedProvider] {
        Self.simulators.map { simulator in
            SimulatedProvider(name: simulator.providerName, baseURL: baseURL + simulator.basePath, credentials: simulator.sandboxCredentials)
        }
    }

    /// The names of the simulated providers.
    public static var providerNames: [String] { simulators.map { $0.providerName } }

    /// The providers whose webhooks `payrun sandbox trigger` can send, and their events.
    public static var webhookEvents: [(provider: String, events: [String])] {
        simulators.filter { !$0.webhookEvents.isEmpty }.map { ($0.providerName, $0.webhookEvents) }
    }

    /// A webhook `provider` would send for `event` to `url` (with `body`, or a sample one),
    /// authenticated with the sandbox credentials, for testing a receiver; nil when the provider
    /// is not simulated or sends no such event.
    public static func webhook(provider: String, event: String, url: String, body: [UInt8]? = nil) -> WebhookDispatcher.Message? {
        simulators.first { $0.providerName == provider }?.webhook(event: event, url: url, body: body)
    }

    /// Builds the simulators' state, starts the server and returns once it accepts connections.
    /// - Throws: `SimulatorError` for bad data or an address that cannot be bound.
    public static func start(_ configuration: Configuration = Configuration()) async throws -> SimulatorServer {
        let services = SimulatorServices(
            faults: FaultController(plan: configuration.faults, seed: configuration.seed),
            requests: RequestJournal(capacity: configuration.journalCapacity),
            webhooks: WebhookDispatcher(policy: configuration.webhooks))
        let application: RunningApplication
        do {
            let simulators = try simulators.map { (simulator) throws(SimulatorError) in try simulator.init(server: configuration) }
            let router = Router(context: SimulatorContext.self)
            router.add(middleware: RequestRecording(journal: services.requests, log: configuration.requestLog))
            SandboxAdministration(services: services).addRoutes(to: router)
            for simulator in simulators { simulator.addRoutes(to: router, services: services) }
            application = try await RunningApplication.start(router, host: configuration.host, port: configuration.port)
        } catch {
            // Bad data, or a port in use: the webhook sender's client is shut down, not leaked
            // (AsyncHTTPClient stops a debug build that drops one running).
            await services.webhooks.stop()
            throw error
        }
        let port = application.port
        let baseURL = "http://\(configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host):\(port)"
        return SimulatorServer(
            baseURL: baseURL, faults: services.faults, requests: services.requests, webhooks: services.webhooks, application: application)
    }

    /// Stops serving and stops retrying webhooks.
    public func stop() async {
        await webhooks.stop()
        await application.stop()
    }

    /// Serves until the task running it is cancelled.
    public func wait() async throws {
        try await application.wait()
    }
}

/// A provider the sandbox simulates, as `payrun sandbox` prints it.
public struct SimulatedProvider: Sendable {
    public let name: String
    public let baseURL: String
    /// The sandbox credentials: public, the same for everyone, never real.
    public let credentials: [(String, String)]
}

/// What the simulators share: the fault plan, the journal and the webhook sender.
struct SimulatorServices: Sendable {
    let faults: FaultController
    let requests: RequestJournal
    let webhooks: WebhookDispatcher
}
