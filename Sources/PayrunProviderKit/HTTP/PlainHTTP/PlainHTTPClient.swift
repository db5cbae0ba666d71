// HTTP/1.1 over plain TCP, written and read by the thread that asks: a script's thread sending
// its own request blocks on the socket itself instead of handing the request to an event
// loop and being woken when the answer is in. That is two thread wake-ups a request fewer, and
// none of AsyncHTTPClient's per-request machinery, for the requests that need none of it: plain
// `http://` with no proxy (the simulators, services on loopback or inside a network). HTTPS,
// proxies and HTTP/2 stay with AsyncHTTPClient.
import Glibc
import PayrunFormats
import PayrunLocks

/// Sends requests to `http://` URLs on the calling thread, keeping connections for reuse.
final class PlainHTTPClient: Sendable {
    let settings: HTTPSettings
    /// Connections that answered and may carry another request, by `host:port`.
    private let idle = Locked(IdleConnections())
    /// The header lines of the last request without a body, kept for the next with the same headers.
    private let headerLines = Locked<RequestHead.HeaderLines?>(nil)
    /// Idle connections kept per server: one for each request `payrun.parallel` overlaps, at
    /// its default concurrency and well beyond.
    private static let idleLimit = 64

    init(settings: HTTPSettings) {
        self.settings = settings
    }

    /// Where a plain `http://` URL goes: nil for any other URL, one with a user name in it, or
    /// one whose host is a name to resolve (only IP literals and `localhost` are sent here, so
    /// that no wait on a DNS resolver, which hears no stop, holds the script's thread).
    static func destination(of url: String) -> Destination? {
        // Read as bytes in place: walking the URL as `Character`s cost more than sending the
        // request, and copying it into an array, then making strings of its parts, cost 2K
        // instructions a request.
        let whole = url
        var url = url
        return url.withUTF8 { bytes -> Destination? in
            guard let base = bytes.baseAddress, bytes.count >= 7, named(bytes[..<7], "http://") else { return nil }
            // Scanned through the pointer, the fragment's `#` with `memchr`: `firstIndex` over
            // the buffer's slices cost 400 instructions a URL, and each request asks twice.
            var authorityEnd = 7
            while authorityEnd < bytes.count {
                let byte = base[authorityEnd]
                if byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#") { break }
                authorityEnd += 1
            }
            let authority = UnsafeBufferPointer(start: base + 7, count: authorityEnd - 7)
            guard let server = server(at: authority) else { return nil }
            let rest = bytes.count - authorityEnd
            let fragment = rest > 0 ? memchr(base + authorityEnd, Int32(UInt8(ascii: "#")), rest) : nil
            let targetEnd = fragment.map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? bytes.count
            return Destination(server: server, url: whole, targetRange: authorityEnd..<targetEnd)
        }
    }

    /// The server a URL's authority names: nil when it is empty, holds a user name, has a port
    /// that is not one, or a host that is not an address or `localhost`. The last one found is
    /// kept: a script sends nearly every request to one server, and making its strings again
    /// (and asking `inet_pton` whether the host is an address) cost 700 instructions a request.
    private static func server(at authority: UnsafeBufferPointer<UInt8>) -> Server? {
        guard let start = authority.baseAddress, !authority.isEmpty else { return nil }
        if let last = lastServer.withLock({ $0 }), last.authority.count == authority.count,
           last.authority.withUnsafeBufferPointer({ memcmp($0.baseAddress!, start, authority.count) == 0 }) {
            return last
        }
        // No user name; and nothing the `Host` header could not carry (a NUL would end the host
        // `inet_pton` is shown, and what follows it go out in the header).
        guard !authority.contains(where: { $0 == UInt8(ascii: "@") || $0 <= 0x20 || $0 == 0x7f }) else { return nil }
        let host: Slice<UnsafeBufferPointer<UInt8>>
        var port = 80
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            host = authority[1..<close]
            let after = authority[(close + 1)...]
            if !after.isEmpty {
                guard after.first == UInt8(ascii: ":"), let number = DecimalDigits.port(after.dropFirst()) else { return nil }
                port = number
            }
        } else if let colon = authority.firstIndex(of: UInt8(ascii: ":")) {
            host = authority[..<colon]
            guard let number = DecimalDigits.port(authority[(colon + 1)...]) else { return nil }
            port = number
        } else {
            host = authority[...]
        }
        let hostName = String(decoding: host, as: UTF8.self)
        var address = in6_addr()
        guard hostName.equalsIgnoringASCIICase("localhost") || inet_pton(AF_INET, hostName, &address) == 1 || inet_pton(AF_INET6, hostName, &address) == 1
        else { return nil }
        let server = Server(authority: Array(authority), host: hostName, port: port, hostHeader: String(decoding: authority, as: UTF8.self))
        lastServer.withLock { $0 = server }
        return server
    }

    /// The server found last (see ``server(at:)``).
    private static let lastServer = Locked<Server?>(nil)

    /// A server a URL names, by address or as `localhost`.
    struct Server: Sendable {
        /// The URL's authority as written, the bytes it was found from.
        let authority: [UInt8]
        let host: String
        let port: Int
        /// The `Host` header: the authority as written.
        let hostHeader: String
    }

    struct Destination {
        let server: Server
        /// The URL, whose ``target`` range is the path and query.
        let url: String
        /// Where in the URL's bytes the path and query are: empty, or starting at `?`, for a
        /// URL with no path, which goes as `/`.
        let targetRange: Range<Int>

        var host: String { server.host }
        var port: Int { server.port }
        var hostHeader: String { server.hostHeader }
        /// What its kept connections are found by: the authority as written, already a string
        /// (two spellings of one server only keep their connections apart).
        var key: String { server.hostHeader }

        /// Whether the target needs a `/` before it (a URL with no path).
        var targetNeedsSlash: Bool {
            targetRange.isEmpty || url.utf8[url.utf8.index(url.utf8.startIndex, offsetBy: targetRange.lowerBound)] == UInt8(ascii: "?")
        }

        /// The path and query, as the request line carries them.
        var target: String {
            let utf8 = url.utf8
            let text = String(decoding: utf8[utf8.index(utf8.startIndex, offsetBy: targetRange.lowerBound)..<utf8.index(utf8.startIndex, offsetBy: targetRange.upperBound)], as: UTF8.self)
            return targetNeedsSlash ? "/" + text : text
        }
    }

    /// What goes out for a request, and how.
    private struct Outgoing {
        let message: [UInt8]
        let bodiless: Bool
        let key: String
        let deadline: ContinuousClock.Instant
        /// A read the provider lets be repeated goes out on a connection kept a moment ago
        /// without asking the kernel first whether the server closed it (`uncheckedReuseTime`):
        /// if it had, the request fails before any answer and goes once more, on a new
        /// connection. Any other request goes only on a connection seen open, and never twice.
        let mayGoUnchecked: Bool
    }

    /// The bytes of `request` to `destination`; throws before anything goes out when it cannot be
    /// sent, or a stop was asked for (while a token was fetched, say).
    private func outgoing(_ request: ProviderRequest, to destination: Destination, stopped: Bool) throws(TransportError) -> Outgoing {
        let head = try RequestHead.bytes(of: request, to: destination, keeping: headerLines)
        if stopped { throw .stopped(sent: false) }
        let bodiless = request.method == "HEAD"
        return Outgoing(
            message: request.body.map { head + $0 } ?? head, bodiless: bodiless, key: destination.key,
            deadline: ContinuousClock.now + settings.totalTimeout,
            mayGoUnchecked: (bodiless || request.method == "GET") && request.retrySafety == .idempotent)
    }

    /// Sends `request` once and reads the whole response, on this thread.
    /// - Parameter waiting: how to wait for the socket: blocking, hearing a stop (checked at
    ///   least every 50 ms), or suspended on a reactor.
    nonisolated(nonsending) func send(_ request: ProviderRequest, to destination: Destination, waiting: SocketWaiting) async throws(TransportError) -> ProviderResponse {
        let out = try outgoing(request, to: destination, stopped: waiting.isStopped)
        if let (kept, unchecked) = takeIdle(out.key, unchecked: out.mayGoUnchecked) {
            if let response = try await exchange(out, on: kept, waiting: waiting, resendable: unchecked) { return response }
            if waiting.isStopped { throw .stopped(sent: false) }
        }
        let socket = try await PlainSocket.connect(
            host: destination.host, port: destination.port, deadline: min(out.deadline, .now + settings.connectTimeout), waiting: waiting)
        return try await exchange(out, on: socket, waiting: waiting, resendable: false)!
    }

    /// ``send(_:to:waiting:)`` blocking this thread, with no async call and so no task: for a
    /// request a connection kept from an earlier one can carry. Nil, with no answer, when none
    /// is kept (connecting is left to the async path), or the kept one, taken unchecked for a
    /// read that may be repeated, turned out closed before any answer: the async path sends it
    /// again on another.
    func sendNow(_ request: ProviderRequest, to destination: Destination, stop: @escaping @Sendable () -> Bool) throws(TransportError) -> ProviderResponse? {
        let out = try outgoing(request, to: destination, stopped: stop())
        guard let (kept, unchecked) = takeIdle(out.key, unchecked: out.mayGoUnchecked) else { return nil }
        return try exchangeNow(out, on: kept, stop: stop, resendable: unchecked)
    }

    /// Writes the request on `socket` and reads its response, keeping the connection for another
    /// request if it can carry one. Nil, with the connection closed, when it was taken unchecked
    /// (`resendable`) and ended before any of an answer: the server had closed it.
    nonisolated(nonsending) private func exchange(_ out: Outgoing, on socket: PlainSocket, waiting: SocketWaiting, resendable: Bool) async throws(TransportError) -> ProviderResponse? {
        if case .blocking(let stop) = waiting { return try exchangeNow(out, on: socket, stop: stop, resendable: resendable) }
        var keepsAlive = false
        defer { finish(socket, out.key, keepsAlive: keepsAlive) }
        if waiting.isStopped { throw .stopped(sent: false) }
        var reader = reader(for: socket, out, waiting: waiting)
        do throws(TransportError) {
            // All of it at once, nearly always: the async write only when the socket is full.
            let written = try socket.writeNow(out.message)
            if written < out.message.count { try await socket.write(out.message, from: written, deadline: out.deadline, waiting: waiting) }
            let response: ProviderResponse
            (response, keepsAlive) = try await reader.read(bodiless: out.bodiless)
            return answered(response, keepsAlive: keepsAlive, by: &reader, out)
        } catch .connectionLost(_) where resendable && !reader.answered {
            return nil
        }
    }

    /// ``exchange(_:on:waiting:resendable:)`` blocking this thread, hearing `stop`.
    private func exchangeNow(_ out: Outgoing, on socket: PlainSocket, stop: @escaping @Sendable () -> Bool, resendable: Bool) throws(TransportError) -> ProviderResponse? {
        var keepsAlive = false
        defer { finish(socket, out.key, keepsAlive: keepsAlive) }
        if stop() { throw .stopped(sent: false) }
        var reader = reader(for: socket, out, waiting: .blocking(stop: stop))
        do throws(TransportError) {
            let written = try socket.writeNow(out.message)
            if written < out.message.count { try socket.writeBlocking(out.message, from: written, deadline: out.deadline, stop: stop) }
            let response: ProviderResponse
            (response, keepsAlive) = try reader.readNow(bodiless: out.bodiless)
            return answered(response, keepsAlive: keepsAlive, by: &reader, out)
        } catch .connectionLost(_) where resendable && !reader.answered {
            return nil
        }
    }

    private func reader(for socket: PlainSocket, _ out: Outgoing, waiting: SocketWaiting) -> PlainHTTPResponseReader {
        PlainHTTPResponseReader(
            socket: socket, readTimeout: settings.readTimeout, deadline: out.deadline, maximumBodyBytes: settings.maximumResponseBytes, waiting: waiting)
    }

    /// `response`, its connection made ready for the next request if it stays open.
    private func answered(_ response: ProviderResponse, keepsAlive: Bool, by reader: inout PlainHTTPResponseReader, _ out: Outgoing) -> ProviderResponse {
        if keepsAlive { reader.keepBuffer() }
        // A body a server sends after a bodiless answer anyway would come after its head:
        // the connection is checked for such bytes before it carries anything else.
        reader.socket.needsCheck = out.bodiless || response.status == 204 || response.status == 304
        return response
    }

    /// Keeps `socket` for the next request to `key`, or closes it.
    private func finish(_ socket: PlainSocket, _ key: String, keepsAlive: Bool) {
        if keepsAlive { putBack(socket, key) } else { socket.close() }
    }

    /// Closes the idle connections; any in use are closed when their request ends.
    func shutdown() {
        let sockets = idle.withLock { idle in
            idle.closed = true
            return idle.removeAll()
        }
        for socket in sockets { socket.close() }
    }

    private struct IdleConnections {
        /// The connections to the server asked last, apart: a script nearly always sends to one
        /// server, and hashing its key twice a request cost more than the rest of the pool.
        var lastKey = ""
        var last: [PlainSocket] = []
        /// Those to every other server.
        var others: [String: [PlainSocket]] = [:]
        /// After ``shutdown()``: nothing is kept any more.
        var closed = false

        mutating func take(_ key: String) -> PlainSocket? {
            key == lastKey ? last.popLast() : others[key]?.popLast()
        }

        /// Keeps `socket` for `key`, unless `limit` are kept for it already.
        mutating func keep(_ socket: PlainSocket, _ key: String, limit: Int) -> Bool {
            if key != lastKey {
                // The server asked last changes: its connections go in with the others.
                if !last.isEmpty { others[lastKey, default: []] += last }
                lastKey = key
                last = others.removeValue(forKey: key) ?? []
            }
            guard last.count < limit else { return false }
            last.append(socket)
            return true
        }

        mutating func removeAll() -> [PlainSocket] {
            defer { last = []; others = [:] }
            return last + others.values.flatMap { $0 }
        }
    }

    /// A kept connection to `key`, and whether it was taken without seeing it open: only if it
    /// `may` be, came back within the settings' `uncheckedReuseTime`, and its last answer
    /// leaves nothing to check.
    private func takeIdle(_ key: String, unchecked may: Bool) -> (PlainSocket, unchecked: Bool)? {
        while let socket = idle.withLock({ $0.take(key) }) {
            let idleTime = ContinuousClock.now - socket.lastUsed
            if idleTime < settings.idleConnectionLifetime {
                if may && idleTime < settings.uncheckedReuseTime && !socket.needsCheck { return (socket, true) }
                if socket.isReusable { return (socket, false) }
            }
            socket.close()
        }
        return nil
    }

    private func putBack(_ socket: PlainSocket, _ key: String) {
        socket.lastUsed = .now
        let kept = idle.withLock { idle in
            !idle.closed && idle.keep(socket, key, limit: Self.idleLimit)
        }
        if !kept { socket.close() }
    }

    /// Whether `bytes` (a header name, a URL's scheme) is `name` in any case of its letters.
    /// Only letters fold: a control byte is not taken for the `:` or `/` of `http://`. The
    /// response reader finds its framing headers with it too.
    @inline(__always)
    static func named<Bytes: Collection<UInt8>>(_ bytes: Bytes, _ name: StaticString) -> Bool {
        guard bytes.count == name.utf8CodeUnitCount else { return false }
        return name.withUTF8Buffer { wanted in
            // In place where the bytes are in one piece: zipping two collections cost 8
            // instructions a byte.
            bytes.withContiguousStorageIfAvailable { bytes in
                for offset in 0..<bytes.count where !String.sameIgnoringASCIICase(bytes[offset], wanted[offset]) { return false }
                return true
            } ?? zip(bytes, wanted).allSatisfy { String.sameIgnoringASCIICase($0, $1) }
        }
    }
}
