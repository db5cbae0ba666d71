// What every provider's simulator gives the server: where it answers, the public credentials to
// use with it, its routes, and the webhooks `payrun sandbox trigger` can send as it would.
import Hummingbird

/// One provider's simulator. The server makes each from its configuration and loops over them;
/// a new simulator joins by conforming and being listed in ``SimulatorServer/simulators``.
protocol ProviderSimulator: Sendable {
    /// The provider's name, as `payrun.provider` and `payrun sandbox trigger` take it.
    static var providerName: String { get }
    /// Where its API answers, from the server's base URL (`/particeep/v1`).
    static var basePath: String { get }
    /// The sandbox credentials to use with it, by credential field: public, never real.
    static var sandboxCredentials: [(String, String)] { get }
    /// The events it sends to webhooks, by the names `payrun sandbox trigger` takes; empty for
    /// a provider that sends none.
    static var webhookEvents: [String] { get }

    /// A webhook of `event` for `url`, with `body` or a sample body shaped like the real one,
    /// authenticated as the provider does with the sandbox credentials; nil for an event it
    /// does not send.
    static func webhook(event: String, url: String, body: [UInt8]?) -> WebhookDispatcher.Message?

    /// The simulator `configuration` describes.
    /// - Throws: `SimulatorError` for data it cannot start from.
    init(server configuration: SimulatorServer.Configuration) throws(SimulatorError)

    func addRoutes(to router: Router<SimulatorContext>, services: SimulatorServices)
}

extension ProviderSimulator {
    static var webhookEvents: [String] { [] }

    static func webhook(event: String, url: String, body: [UInt8]?) -> WebhookDispatcher.Message? { nil }
}
