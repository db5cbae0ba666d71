// An HTTP server in the test that records the webhooks it receives, answering a given list of
// statuses first (to exercise retries) and 200 after.
import Foundation
import Hummingbird
import PayrunSimulators
import PayrunLocks

public final class WebhookReceiver: Sendable {
    public struct Received: Sendable {
        /// Header names in lower case.
        public let headers: [String: String]
        public let body: Data
    }

    /// Where to send webhooks, e.g. `http://127.0.0.1:41234/hook`.
    public let url: String
    private let received: ReceivedLog
    private let application: RunningApplication

    /// Shared by the route that fills it and the test that reads it.
    private final class ReceivedLog: Sendable {
        let entries = Locked<[Received]>([])
    }

    private init(url: String, received: ReceivedLog, application: RunningApplication) {
        self.url = url
        self.received = received
        self.application = application
    }

    /// Listens on a free loopback port; the first requests get `failing`'s statuses in turn.
    public static func start(failing: [Int] = []) async throws -> WebhookReceiver {
        let log = ReceivedLog()
        let failures = FailureList(failing)
        let router = Router()
        router.post("hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            log.entries.withLock { $0.append(Received(headers: headers, body: Data(body.readableBytesView))) }
            let status = failures.next()
            return Response(status: .init(code: status))
        }
        let application = try await RunningApplication.start(router)
        return WebhookReceiver(url: "http://127.0.0.1:\(application.port)/hook", received: log, application: application)
    }

    /// What arrived so far, waiting (at most `timeout`) until there are `count` requests.
    public func wait(for count: Int, timeout: Duration = .seconds(10)) async throws -> [Received] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let all = received.entries.withLock { $0 }
            if all.count >= count { return all }
            try await Task.sleep(for: .milliseconds(10))
        }
        return received.entries.withLock { $0 }
    }

    public func stop() async {
        await application.stop()
    }
}

/// The statuses to answer before answering 200.
private final class FailureList: Sendable {
    private let statuses: Locked<[Int]>

    init(_ statuses: [Int]) {
        self.statuses = Locked(statuses)
    }

    func next() -> Int {
        statuses.withLock { $0.isEmpty ? 200 : $0.removeFirst() }
    }
}
