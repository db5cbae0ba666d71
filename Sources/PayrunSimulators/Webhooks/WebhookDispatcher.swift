// Sends the simulators' webhooks over real HTTP, retrying failures with exponential backoff, and
// keeps a record of every delivery for `/_sandbox/webhooks`.
import AsyncHTTPClient
import Glibc
import HTTPTypes
import NIOCore
import NIOHTTP1
import PayrunLocks
import PayrunFormats

/// Delivers webhook events and remembers how each delivery went.
public final class WebhookDispatcher: Sendable {
    /// How hard to try.
    public struct Policy: Sendable {
        /// Attempts in all, the first included.
        public var attempts = 5
        /// The wait before the second attempt; each later wait doubles.
        public var firstRetryDelay: Duration = .seconds(1)
        /// How long one attempt may take.
        public var timeout: Duration = .seconds(10)

        public init() {}
    }

    /// One event sent (or being sent) to one URL.
    public struct Delivery: Sendable {
        public enum State: String, Sendable { case pending, delivered, failed }

        public struct Attempt: Sendable {
            public let time: String
            /// The receiver's status, or nil when there was no reply.
            public let status: Int?
            /// Why there was no reply, or that the status was not 2xx.
            public let error: String?
        }

        public let id: Int
        public let event: String
        public let url: String
        public internal(set) var state: State = .pending
        public internal(set) var attempts: [Attempt] = []
    }

    /// What to send: the body, and headers made fresh for each attempt (a signature over the
    /// time of sending must be remade on a retry).
    public struct Message: Sendable {
        public let event: String
        public let url: String
        public let body: [UInt8]
        public let headers: @Sendable () -> [(String, String)]

        public init(event: String, url: String, body: [UInt8], headers: @escaping @Sendable () -> [(String, String)]) {
            self.event = event
            self.url = url
            self.body = body
            self.headers = headers
        }
    }

    private struct State {
        var deliveries: [Delivery] = []
        var nextID = 1
        var tasks: [Int: Task<Void, Never>] = [:]
        var stopped = false

        /// Records a new pending delivery, keeping the newest ``WebhookDispatcher/kept``, and
        /// returns its id.
        mutating func register(_ message: Message) -> Int {
            let id = nextID
            nextID += 1
            deliveries.append(Delivery(id: id, event: message.event, url: message.url))
            if deliveries.count > WebhookDispatcher.kept { deliveries.removeFirst() }
            return id
        }
    }

    private let policy: Policy
    /// Its own client: the shared one keeps retrying a refused connection until the attempt's
    /// time is up, where this one reports it at once and the policy's backoff decides.
    private let client: HTTPClient
    private let state = Locked(State())
    fileprivate static let kept = 1000

    public init(policy: Policy = Policy()) {
        self.policy = policy
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Every delivery kept, oldest first.
    public var deliveries: [Delivery] {
        state.withLock { $0.deliveries }
    }

    /// Starts delivering `message` in the background.
    func send(_ message: Message) {
        state.withLock { state in
            guard !state.stopped else { return }
            let id = state.register(message)
            state.tasks[id] = Task { [self] in
                _ = await self.deliver(message, id: id)
                _ = self.state.withLock { $0.tasks.removeValue(forKey: id) }
            }
        }
    }

    /// Delivers `message` now, retrying as the policy says, and returns how it went.
    public func deliver(_ message: Message) async -> Delivery {
        let id = state.withLock { $0.register(message) }
        return await deliver(message, id: id)
    }

    /// Stops retrying (deliveries under way end as they are) and closes the connections. Call
    /// once, when done with the dispatcher.
    public func stop() async {
        let tasks = state.withLock { state in
            state.stopped = true
            return Array(state.tasks.values)
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        try? await client.shutdown()
    }

    private func deliver(_ message: Message, id: Int) async -> Delivery {
        var delay = policy.firstRetryDelay
        for attempt in 1...max(policy.attempts, 1) {
            let result = await attemptOnce(message)
            let delivered = result.status.map { (200..<300).contains($0) } ?? false
            let done = delivered || attempt == policy.attempts || Task.isCancelled
            update(id) { delivery in
                delivery.attempts.append(result)
                if done { delivery.state = delivered ? .delivered : .failed }
            }
            if done { break }
            try? await Task.sleep(for: delay)
            delay *= 2
        }
        return state.withLock { $0.deliveries.first { $0.id == id } } ?? Delivery(id: id, event: message.event, url: message.url)
    }

    private func attemptOnce(_ message: Message) async -> Delivery.Attempt {
        let time = UTCTime.text(UTCTime.now())
        var request = HTTPClientRequest(url: message.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "payrun-sandbox")
        for (name, value) in message.headers() { request.headers.replaceOrAdd(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: message.body))
        do {
            let (seconds, attoseconds) = policy.timeout.components
            let timeout = TimeAmount.nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
            let response = try await client.execute(request, timeout: timeout)
            _ = try? await response.body.collect(upTo: 1 << 20)
            let status = Int(response.status.code)
            return .init(time: time, status: status, error: (200..<300).contains(status) ? nil : "the receiver answered \(status)")
        } catch let error as IOError where error.errnoCode == ECONNREFUSED {
            // NIO's own text reads "connection reset (error set): Connection refused".
            return .init(time: time, status: nil, error: "the connection was refused: nothing is listening at \(message.url)")
        } catch {
            return .init(time: time, status: nil, error: "\(error)")
        }
    }

    private func update(_ id: Int, _ change: (inout Delivery) -> Void) {
        state.withLock { state in
            if let index = state.deliveries.firstIndex(where: { $0.id == id }) { change(&state.deliveries[index]) }
        }
    }

    /// `{"deliveries": [...]}`, oldest first.
    func json() -> [UInt8] {
        var writer = JSONWriter()
        writer.openObject()
        writer.key("deliveries")
        writer.openArray()
        for delivery in deliveries {
            writer.openObject()
            writer.field("id", delivery.id)
            writer.field("event", delivery.event)
            writer.field("url", delivery.url)
            writer.field("state", delivery.state.rawValue)
            writer.key("attempts")
            writer.openArray()
            for attempt in delivery.attempts {
                writer.openObject()
                writer.field("time", attempt.time)
                writer.key("status")
                if let status = attempt.status { writer.integer(status) } else { writer.null() }
                writer.field("error", attempt.error)
                writer.closeObject()
            }
            writer.closeArray()
            writer.closeObject()
        }
        writer.closeArray()
        writer.closeObject()
        return writer.bytes
    }
}
