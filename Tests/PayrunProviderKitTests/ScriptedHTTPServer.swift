// A server on loopback that answers each request with bytes written out in the test: a chunked
// body, a body running to the close, a header line that is no header, a connection closed while
// idle. What the simulators (a well-behaved HTTP server) never send.
import Foundation
import PayrunLocks
import PayrunProviderKit
import PayrunTestSupport

final class ScriptedHTTPServer: Sendable {
    /// One answer: the bytes sent back, and whether the connection is closed after them.
    struct Answer: Sendable {
        let bytes: [UInt8]
        let closes: Bool
        /// Where the bytes are cut into writes 50 ms apart, so the client reads them in pieces.
        let pausesAt: [Int]

        init(_ text: String, closes: Bool = false, pausesAt: [Int] = []) {
            bytes = Array(text.utf8)
            self.closes = closes
            self.pausesAt = pausesAt
        }
    }

    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }
    private let listener: Int32
    private let state: Locked<State>

    private struct State {
        var answers: [Answer]
        var requests: [String] = []
        var bodies: [[UInt8]] = []
        var connections = 0
        /// No answer goes out before this many requests came (at most 60 s: a first, loaded run of the suite has stalled the whole process for 20 s).
        var answersAfter = 0
    }

    /// The request heads received, in order.
    var requests: [String] { state.withLock { $0.requests } }
    /// The request bodies received, in order (empty for none).
    var bodies: [[UInt8]] { state.withLock { $0.bodies } }
    /// The connections accepted.
    var connections: Int { state.withLock { $0.connections } }

    /// - Parameter answersAfter: how many requests must have come before any is answered: a
    ///   client sending them one at a time never gets that far.
    init(answers: [Answer], answersAfter: Int = 0) throws {
        state = Locked(State(answers: answers, answersAfter: answersAfter))
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        self.listener = listener
        var on: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0 }
        }
        guard bound, listen(listener, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        port = Int(UInt16(bigEndian: address.sin_port))
        let state = self.state
        Thread {
            // The listener is closed here, by the only thread that uses it: closed from `stop()`,
            // its number could be taken by another test's socket before this loop's next accept.
            defer { close(listener) }
            while true {
                let connection = accept(listener, nil, nil)
                if connection < 0 && errno == EINTR { continue }  // a signal (the suite's children end)
                guard connection >= 0 else { return }  // shut down by `stop()`
                _ = fcntl(connection, F_SETFD, FD_CLOEXEC)  // not for the suite's child processes
                state.withLock { $0.connections += 1 }
                Thread { Self.serve(connection, state) }.start()
            }
        }.start()
    }

    /// Stops accepting connections: the accepting thread's `accept` fails, and it closes the
    /// listener.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private static func serve(_ connection: Int32, _ state: Locked<State>) {
        defer { close(connection) }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            // One request: its head, then as many body bytes as Content-Length says.
            while received.firstRange(of: Array("\r\n\r\n".utf8)) == nil {
                let count = read(connection, &chunk, chunk.count)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return }
                received += chunk[..<count]
            }
            let end = received.firstRange(of: Array("\r\n\r\n".utf8))!.upperBound
            let head = String(decoding: received[..<end], as: UTF8.self)
            let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
            while received.count < end + length {
                let count = read(connection, &chunk, chunk.count)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return }
                received += chunk[..<count]
            }
            let body = Array(received[end..<(end + length)])
            received.removeFirst(end + length)
            guard let answer = state.withLock({ state -> Answer? in
                state.requests.append(head)
                state.bodies.append(body)
                return state.answers.isEmpty ? nil : state.answers.removeFirst()
            }) else { return }
            let given = Date().addingTimeInterval(60)
            while state.withLock({ $0.requests.count < $0.answersAfter }) && Date() < given {
                Thread.sleep(forTimeInterval: 0.005)
            }
            var sent = 0
            for end in answer.pausesAt + [answer.bytes.count] {
                if sent > 0 { Thread.sleep(forTimeInterval: 0.05) }
                while sent < end {
                    let count = answer.bytes.withUnsafeBytes { write(connection, $0.baseAddress! + sent, end - sent) }
                    if count < 0 && errno == EINTR { continue }
                    guard count > 0 else { return }
                    sent += count
                }
            }
            if answer.closes { return }
        }
    }
}

/// Runs `body` with a server giving `answers` and a transport with `settings`; both are ended
/// afterwards, whether `body` throws or not.
func withScriptedServer(
    _ answers: [ScriptedHTTPServer.Answer], answersAfter: Int = 0, settings: HTTPSettings = HTTPSettings(),
    _ body: (ScriptedHTTPServer, HTTPTransport) async throws -> Void
) async throws {
    let server = try ScriptedHTTPServer(answers: answers, answersAfter: answersAfter)
    defer { server.stop() }
    let transport = try HTTPTransport(settings: settings)
    do {
        try await body(server, transport)
    } catch {
        await transport.shutdown()
        throw error
    }
    await transport.shutdown()
}

/// `request` sent once by `transport` from a thread that may block, as a script's thread sends,
/// hearing `stop`.
func send(
    _ transport: HTTPTransport, _ request: ProviderRequest, stop: BlockingIO.StopCheck = BlockingIO.StopCheck { false }
) async throws -> ProviderResponse {
    try await WaitingThread.run(hearing: stop) { try await transport.send(request) }
}
