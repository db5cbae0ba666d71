// `payrun listen` as a library: the receiver (Hummingbird) and the handlers' dispatcher, run as
// one ServiceGroup that shuts down gracefully on SIGTERM and SIGINT.
import Hummingbird
import Logging
import NIOCore
import PayrunJournal
import PayrunLocks
import PayrunRuntime
import ServiceLifecycle

/// Receives webhooks into an inbox and hands each to the handlers of a Lua file.
public final class WebhookListener: Sendable {
    private let engine: PayrunEngine
    private let inbox: any InboxStore
    private let configuration: ListenerConfiguration
    private let log: ListenerLog
    private let receiver: WebhookReceiver
    private let dispatcher: HandlerDispatcher

    /// - Parameters:
    ///   - engine: runs the handlers, with its store keeping their runs (each a durable run).
    ///   - inbox: where received events are kept.
    ///   - handlers: the Lua file that registers handlers with `payrun.on`.
    public init(engine: PayrunEngine, inbox: any InboxStore, handlers: Script, configuration: ListenerConfiguration, log: ListenerLog) {
        self.engine = engine
        self.inbox = inbox
        self.configuration = configuration
        self.log = log
        let dispatcher = HandlerDispatcher(engine: engine, inbox: inbox, handlers: handlers, configuration: configuration, log: log)
        self.dispatcher = dispatcher
        receiver = WebhookReceiver(
            engine: engine, inbox: inbox, bodyLimit: configuration.bodyLimit, stores: configuration.storesEvents, log: log,
            health: dispatcher.health
        ) { dispatcher.wakeup.signal() }
    }

    /// The providers whose webhooks it receives, and where.
    public var routes: [String] { receiver.providers.keys.sorted().map { "/webhooks/" + $0 } }

    /// Serves until SIGTERM or SIGINT (or the task is cancelled), then lets running handlers
    /// finish within the grace period.
    /// - Parameter listening: told the port once the server listens.
    public func run(listening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let router = Router()
        receiver.addRoutes(to: router)
        let (head, body) = (TimeAmount(configuration.headTimeout), TimeAmount(configuration.bodyTimeout))
        let quiet = Logger(label: "payrun.listen", factory: { _ in SwiftLogNoOpLogHandler() })
        let application = Application(
            router: router,
            server: .http1(configuration: .init(
                additionalChannelHandlers: [ReadDeadlineHandler(headTimeout: head, bodyTimeout: body)], idleTimeout: .seconds(75))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "payrun"),
            onServerRunning: { channel in await listening(channel.localAddress?.port ?? 0) },
            logger: quiet)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: application)] + (configuration.handsOver ? [.init(service: dispatcher)] : []),
            gracefulShutdownSignals: [.sigterm, .sigint], logger: quiet))
        try await group.run()
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
