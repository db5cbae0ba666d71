// An HTTP service in the test, on loopback, for `payrun.http`: records every request (method,
// path, query, headers, body) to any path, and answers from a list (a status, a body, a silence
// longer than the client's read timeout) before answering 200 with a small JSON body.
import Foundation
import Hummingbird
import PayrunLocks
import PayrunSimulators

public final class ServiceReceiver: Sendable {
    public struct Received: Sendable {
        public let method: String
        /// The path without the query, e.g. `/services/T0/B0/secret`.
        public let path: String
        public let query: String
        /// Header names in lower case.
        public let headers: [String: String]
        public let body: Data

        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// How to answer one request.
    public enum Answer: Sendable {
        /// This status, with this body (JSON).
        case status(Int, body: String = #"{"ok":true}"#)
        /// Nothing for this long, then 200.
        case silence(Duration)
        /// 200 with the request's `authorization` header, path and query in a JSON body, as a
        /// careless service does.
        case echo
    }

    /// `http://127.0.0.1:PORT`, no slash at the end.
    public let url: String
    public let port: Int
    private let log: Log
    private let application: RunningApplication

    private final class Log: Sendable {
        let received = Locked<[Received]>([])
        let answers: Locked<[Answer]>

        init(_ answers: [Answer]) {
            self.answers = Locked(answers)
        }
    }

    private init(port: Int, log: Log, application: RunningApplication) {
        self.url = "http://127.0.0.1:\(port)"
        self.port = port
        self.log = log
        self.application = application
    }

    /// Listens on a free loopback port; the first requests get `answers` in turn.
    public static func start(answering answers: [Answer] = []) async throws -> ServiceReceiver {
        let log = Log(answers)
        let router = Router()
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete, .head] {
            router.on("**", method: method) { request, _ -> Response in
                let body = try await request.body.collect(upTo: 1 << 20)
                var headers: [String: String] = [:]
                for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
                log.received.withLock {
                    $0.append(Received(
                        method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "", headers: headers,
                        body: Data(body.readableBytesView)))
                }
                switch log.answers.withLock({ $0.isEmpty ? Answer.status(200) : $0.removeFirst() }) {
                case .status(let status, let text):
                    return Response(
                        status: .init(code: status), headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
                case .silence(let duration):
                    try? await Task.sleep(for: duration)
                    return Response(status: .ok)
                case .echo:
                    let echoed = ["authorization": headers["authorization"] ?? "", "path": request.uri.path, "query": request.uri.query ?? ""]
                    let text = try JSONSerialization.data(withJSONObject: echoed, options: [.sortedKeys])
                    return Response(
                        status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: text)))
                }
            }
        }
        let application = try await RunningApplication.start(router)
        return ServiceReceiver(port: application.port, log: log, application: application)
    }

    /// What arrived so far.
    public var received: [Received] {
        log.received.withLock { $0 }
    }

    public func stop() async {
        await application.stop()
    }
}
