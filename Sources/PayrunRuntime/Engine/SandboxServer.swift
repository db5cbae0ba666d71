// Who serves the `sandbox` environment: payrun's simulators started in this process, a
// `payrun sandbox` already running, or a host's own fake.

/// The server behind the `sandbox` environment.
public protocol SandboxServer: Sendable {
    /// The base URL the simulators answer on, starting them the first time it is asked for.
    func baseURL() async throws -> String
    /// Stops what ``baseURL()`` started (nothing, for a server running elsewhere).
    func stop() async
    /// Whether the simulators' state outlives this process, so that a run killed here can be
    /// resumed: false for simulators inside the process. The default: true.
    var outlivesProcess: Bool { get }
    /// Which sandbox this is, when it can be told apart from another (its URL): part of a run's
    /// default key, so that a run against one sandbox never resumes from a journal of another.
    var identity: String? { get }
}

extension SandboxServer {
    public var outlivesProcess: Bool { true }
    public var identity: String? { nil }
}

/// A sandbox that is already running, at `url` (`PAYRUN_SANDBOX_URL`).
public struct RunningSandbox: SandboxServer {
    public let url: String

    public init(url: String) {
        self.url = url
    }

    public func baseURL() async throws -> String { url }

    public func stop() async {}

    public var identity: String? { url }
}
