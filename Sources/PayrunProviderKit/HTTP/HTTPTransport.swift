// Sends one request over real HTTP with AsyncHTTPClient: connections kept and reused, HTTP/2 when
// the server offers it, TLS, gzip, payrun's timeouts and response size cap, and the proxy.
import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix

/// One attempt at a request: no retries here (see ``ProviderHTTPClient``).
public final class HTTPTransport: Sendable {
    public let settings: HTTPSettings
    /// NIO's process-wide group, a loop per core, never shut down: nothing a closed transport
    /// left scheduled can find its loop gone.
    private let group = MultiThreadedEventLoopGroup.singleton
    /// The group's loops, to tell whether a request is sent from one of them.
    private let loops: [any EventLoop]
    private let direct: HTTPClient
    private let proxied: HTTPClient?
    /// Plain `http://` on the waiting thread (see ``HTTPSettings/sendsPlainHTTPOnWaitingThread``).
    private let plain: PlainHTTPClient

    /// - Throws: `TransportError.invalidProxy` when the proxy is not `http://host:port`.
    public init(settings: HTTPSettings = HTTPSettings()) throws(TransportError) {
        self.settings = settings
        plain = PlainHTTPClient(settings: settings)
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: Self.amount(settings.connectTimeout), read: Self.amount(settings.readTimeout)),
            decompression: .enabled(limit: .size(settings.maximumResponseBytes)))
        configuration.httpVersion = .automatic
        // No tracer: with one set (by default the process's, a no-op), every request casts it from
        // `any Sendable` and formats a span name, about a fifth of a request's instructions.
        configuration.tracing.tracer = nil
        // payrun retries by its own rules; the pool's own reconnect loop would hold a refused
        // connection until the connect timeout instead of reporting it.
        configuration.connectionPool.retryConnectionEstablishment = false
        // One connection per concurrent request of payrun.parallel (AsyncHTTPClient's default
        // of 8 would queue half of a concurrency of 16 behind the others).
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        loops = Array(group.makeIterator())
        direct = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: configuration)
        if let proxy = settings.proxy {
            guard let (host, port) = Self.hostAndPort(proxy) else {
                try? direct.syncShutdown()
                throw .invalidProxy(proxy)
            }
            configuration.proxy = .server(host: host, port: port)
            proxied = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: configuration)
        } else {
            proxied = nil
        }
    }

    /// Closes the connections. Call once, when no request is under way.
    public func shutdown() async {
        plain.shutdown()
        try? await direct.shutdown()
        try? await proxied?.shutdown()
    }

    /// Sends `request` once and reads the whole response.
    ///
    /// A plain `http://` request from a thread marked by ``BlockingIO`` is written and read right
    /// there, by ``PlainHTTPClient``: blocking on it, or suspended on the thread's reactor.
    /// Anything else goes through AsyncHTTPClient's future-based API, whose callbacks stay on the
    /// event loop: a request costs two thread wake-ups (the loop's, then the waiter's). The async
    /// `execute` starts a task of its own on Swift's cooperative pool for each request, which is
    /// two more.
    public func send(_ request: ProviderRequest) async throws(TransportError) -> ProviderResponse {
        try await sendHere(request)
    }

    /// ``send(_:)`` on the caller's executor: payrun's own request path calls this one, so that a
    /// request sent from a script's thread makes no hop to the generic executor at each of the
    /// calls it goes through (a hop checks the task's executor preference, under a lock).
    package nonisolated(nonsending) func sendHere(_ request: ProviderRequest) async throws(TransportError) -> ProviderResponse {
        if settings.sendsPlainHTTPOnWaitingThread, let waiting = Self.socketWaiting(),
           let destination = PlainHTTPClient.destination(of: request.url) {
            return try await plain.send(request, to: destination, waiting: waiting)
        }
        guard let (scheme, host) = Self.schemeAndHost(request.url) else { throw .invalidURL(request.url) }
        let client = scheme == "https" && settings.usesProxy(for: host) ? (proxied ?? direct) : direct
        // The loop this task runs on, when it runs on one of the group's (Swift's global executor
        // is NIO's group in a debug build): the connection and the answer stay on this thread.
        let currentLoop = loops.first(where: { $0.inEventLoop }) ?? group.next()
        do {
            var headers = HTTPHeaders()
            headers.reserveCapacity(request.headers.count)
            for (name, value) in request.headers { headers.add(name: name, value: value) }
            let outgoing = try HTTPClient.Request(
                url: request.url, method: HTTPMethod(rawValue: request.method), headers: headers,
                body: request.body.map { .bytes($0) })
            let collector = ProviderResponseCollector(maximumBodyBytes: settings.maximumResponseBytes, isHead: outgoing.method == .HEAD)
            let task = client.execute(
                request: outgoing, delegate: collector, eventLoop: .delegate(on: currentLoop),
                deadline: .now() + Self.amount(settings.totalTimeout))
            return try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
        } catch is ResponseAccumulator.ResponseTooBigError {
            throw .tooLarge(limit: settings.maximumResponseBytes)
        } catch {
            throw TransportError(error)
        }
    }

    /// ``send(_:)`` blocking this thread (hearing `stop`), with no task: a plain `http://` request
    /// on a connection kept from an earlier one. Nil when it cannot go that way (another scheme,
    /// a proxy, no kept connection): nothing was answered, and ``sendHere(_:)`` sends it.
    package func sendNow(_ request: ProviderRequest, stop: @escaping @Sendable () -> Bool) throws(TransportError) -> ProviderResponse? {
        guard settings.sendsPlainHTTPOnWaitingThread, let destination = PlainHTTPClient.destination(of: request.url) else { return nil }
        return try plain.sendNow(request, to: destination, stop: stop)
    }

    /// Whether ``sendNow(_:stop:)`` may send to `url` at all: not for HTTPS, a proxy, or a host
    /// to resolve (asked before a request is signed for it, so that one it cannot send is not
    /// signed twice).
    package func mightSendNow(to url: String) -> Bool {
        settings.sendsPlainHTTPOnWaitingThread && PlainHTTPClient.destination(of: url) != nil
    }

    /// How this thread may wait for a socket of its own; nil on event loops and Swift's pool.
    private static func socketWaiting() -> SocketWaiting? {
        if let stop = BlockingIO.stopCheck { return .blocking(stop: stop.isStopped) }
        return BlockingIO.reactor.map { .reactor($0) }
    }

    private static func amount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// `http` or `https`, and the host, of an absolute URL.
    static func schemeAndHost(_ url: String) -> (String, String)? {
        let bytes = Array(url.utf8)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), bytes[colon...].starts(with: Array("://".utf8)) else { return nil }
        let scheme = String(decoding: bytes[..<colon], as: UTF8.self).lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let ends: Set<UInt8> = [UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#")]
        var authority = bytes[(colon + 3)...].prefix { !ends.contains($0) }
        if let at = authority.lastIndex(of: UInt8(ascii: "@")) { authority = authority[(at + 1)...] }
        let host: ArraySlice<UInt8>
        if authority.first == UInt8(ascii: "[") {
            host = authority.dropFirst().prefix { $0 != UInt8(ascii: "]") }
        } else {
            host = authority.prefix { $0 != UInt8(ascii: ":") }
        }
        guard !host.isEmpty else { return nil }
        return (scheme, String(decoding: host, as: UTF8.self))
    }

    private static func hostAndPort(_ proxy: String) -> (String, Int)? {
        let rest = proxy.hasPrefix("http://") ? String(proxy.dropFirst(7)) : proxy
        let authority = rest.prefix { $0 != "/" }
        let parts = authority.split(separator: ":")
        guard let host = parts.first, !host.isEmpty else { return nil }
        guard parts.count == 2 else { return parts.count == 1 ? (String(host), 80) : nil }
        guard let port = Int(parts[1]), (1...65535).contains(port) else { return nil }
        return (String(host), port)
    }
}

/// Why an attempt got no response.
public enum TransportError: Error, Equatable, CustomStringConvertible {
    case invalidURL(String)
    case invalidProxy(String)
    /// No connection could be made: the request was certainly not sent.
    case connect(String)
    /// The connection broke or went silent after the request may have been sent.
    case timedOut(String)
    case connectionLost(String)
    case tooLarge(limit: Int)
    /// Refused before anything went out: a header or the URL HTTP cannot carry.
    case unsendable(String)
    /// The wait was ended by a stop (a time limit, Ctrl-C) before an answer, after the request
    /// went out (`sent`) or before.
    case stopped(sent: Bool)

    init(_ error: any Error) {
        let text = String(describing: error)
        switch error {
        case let error as HTTPClientError where text.contains("invalidHeaderField"):
            // The error's own text quotes the values, which may hold a secret: not repeated.
            _ = error
            self = .unsendable("a header name or value holds a character HTTP does not allow, such as a line break")
        case let error as HTTPClientError where error == .invalidURL || error == .emptyHost || error == .emptyScheme:
            self = .unsendable("the URL cannot be sent")
        case let error as HTTPClientError where error == .connectTimeout:
            self = .connect("the connection timed out")
        case let error as HTTPClientError where error == .readTimeout || error == .deadlineExceeded:
            self = .timedOut(error == .readTimeout ? "no data within the read timeout" : "the request took longer than its total timeout")
        case let error as IOError where error.errnoCode == ECONNREFUSED:
            // NIO's own text reads "connection reset (error set): Connection refused".
            self = .connect("the connection was refused: nothing is listening at that address")
        case is NIOConnectionError:
            self = .connect(text)
        default:
            // A refused or unreachable address fails before anything is sent.
            self = text.contains("connectionRefused") || text.contains("Connection refused") || text.contains("connect(")
                ? .connect(text) : .connectionLost(text)
        }
    }

    /// Whether trying again later could get a response: the connection failed or went quiet,
    /// rather than the request being unsendable or the answer too large.
    public var isTransient: Bool {
        switch self {
        case .connect, .timedOut, .connectionLost: true
        case .invalidURL, .invalidProxy, .tooLarge, .unsendable, .stopped: false
        }
    }

    /// Whether the provider can have received the request.
    public var mayHaveBeenSent: Bool {
        switch self {
        case .invalidURL, .invalidProxy, .connect, .unsendable: false
        case .timedOut, .connectionLost, .tooLarge: true
        case .stopped(let sent): sent
        }
    }

    public var description: String {
        switch self {
        case .invalidURL(let url): "'\(url)' is not an http:// or https:// URL"
        case .invalidProxy(let proxy): "the proxy '\(proxy)' is not http://host:port"
        case .connect(let reason): "could not connect (\(reason))"
        case .timedOut(let reason): "timed out: \(reason)"
        case .connectionLost(let reason): "the connection was lost (\(reason))"
        case .tooLarge(let limit): "the response is larger than \(limit) bytes"
        case .unsendable(let reason): "not sent: \(reason)"
        case .stopped(let sent): sent ? "stopped while waiting for the answer" : "stopped before the request was sent"
        }
    }
}
