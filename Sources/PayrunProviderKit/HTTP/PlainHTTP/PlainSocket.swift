// A TCP connection read and written by the thread that uses it, with receive timeouts and poll(2):
// for the plain-HTTP requests a script's thread sends itself, with no event loop in between.
import Glibc

/// How the thread using a socket waits for it: blocked itself, hearing a stop (one request at a
/// time), or suspended on the reactor the thread polls (many at once, in `payrun.parallel`).
enum SocketWaiting: Sendable {
    case blocking(stop: @Sendable () -> Bool)
    case reactor(SocketReactor)

    /// Whether to give up before sending: a stop asked for, or a reactor nobody polls any more.
    var isStopped: Bool {
        switch self {
        case .blocking(let stop): stop()
        case .reactor(let reactor): reactor.isAbandoned
        }
    }
}

/// One TCP socket, used by one thread at a time (handed between threads only through the idle
/// pool's lock). Its state is read and written a few times a request, with no access inside
/// another: the run-time exclusivity checks a class's `var` gets are left out.
final class PlainSocket: @unchecked Sendable {
    private(set) var descriptor: Int32
    /// When its last response ended: an idle connection is not kept for long.
    @exclusivity(unchecked) var lastUsed = ContinuousClock.now
    /// Whether its last response (bodiless) leaves it to be checked for stray bytes before reuse.
    @exclusivity(unchecked) var needsCheck = false
    /// Where `recv` puts what it reads, kept from one read to the next.
    @exclusivity(unchecked) private var chunk = [UInt8](repeating: 0, count: 65_536)
    /// What the connection's last response was read into, emptied, for its next one
    /// (``PlainHTTPResponseReader``): a fresh buffer a response was a large malloc and free.
    var spareBuffer: [UInt8] = []

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        close()
    }

    func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }

    /// Connects to `host`:`port`, trying each address the name has in turn.
    /// - Throws: `.connect` when none takes the connection before `deadline`.
    nonisolated(nonsending) static func connect(host: String, port: Int, deadline: ContinuousClock.Instant, waiting: SocketWaiting) async throws(TransportError) -> PlainSocket {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        // Names are IP literals or `localhost` (see `PlainHTTPClient.destination(of:)`): nothing
        // here waits for a resolver, which would not hear a stop.
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw .connect("cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var reason = "no address"
        var address: UnsafeMutablePointer<addrinfo>? = first
        while let entry = address {
            address = entry.pointee.ai_next
            let descriptor = socket(entry.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard descriptor >= 0 else { reason = String(cString: strerror(errno)); continue }
            let socket = PlainSocket(descriptor: descriptor)
            var on: Int32 = 1
            _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            if Glibc.connect(descriptor, entry.pointee.ai_addr, entry.pointee.ai_addrlen) == 0 { return socket.connected() }
            guard errno == EINPROGRESS else { reason = String(cString: strerror(errno)); continue }
            switch await socket.wait(for: Int16(POLLOUT), until: deadline, waiting: waiting) {
            case .ready:
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                _ = getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length)
                if error == 0 { return socket.connected() }
                reason = String(cString: strerror(error))
            case .timedOut:
                throw .connect("the connection timed out")
            case .stopped:
                throw .stopped(sent: false)
            }
        }
        throw .connect("\(host):\(port): \(reason)")
    }

    /// The longest a thread blocks in one system call on the socket: how soon it hears a stop.
    static let stopSlice = Duration.milliseconds(50)

    /// Whether a thread waiting for an answer waits in recv(2) itself (``readBlocking``): the
    /// socket blocks, with a receive timeout of ``stopSlice``.
    private var blocksInReceive = false

    /// The connected socket, put in blocking mode with a receive timeout of ``stopSlice`` (left
    /// as it is, waited for in poll(2), if either cannot be set). Every call that must not wait
    /// says so with `MSG_DONTWAIT`, whichever thread or reactor makes it.
    private func connected() -> PlainSocket {
        var slice = timeval(tv_sec: 0, tv_usec: Int(Self.stopSlice.components.attoseconds / 1_000_000_000_000))
        blocksInReceive = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &slice, socklen_t(MemoryLayout<timeval>.size)) == 0
            && fcntl(descriptor, F_SETFL, 0) == 0
        return self
    }

    enum Readiness { case ready, timedOut, stopped }

    /// Waits until the socket can be read or written (`events`): blocking in slices of at most
    /// 50 ms so that a stop is heard, or suspended on a reactor.
    nonisolated(nonsending) func wait(for events: Int16, until deadline: ContinuousClock.Instant, waiting: SocketWaiting) async -> Readiness {
        switch waiting {
        case .reactor(let reactor):
            return await reactor.wait(for: events, on: descriptor, until: deadline)
        case .blocking(let stop):
            return wait(for: events, until: deadline, stop: stop)
        }
    }

    private func wait(for events: Int16, until deadline: ContinuousClock.Instant, stop: () -> Bool) -> Readiness {
        while true {
            if stop() { return .stopped }
            let left = deadline - .now
            guard left > .zero else { return .timedOut }
            let milliseconds = min(50, Int32(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000) + 1)
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let count = poll(&entry, 1, milliseconds)
            if count > 0 { return .ready }
            if count < 0 && errno != EINTR { return .ready }  // the next read or write reports it
        }
    }

    /// Writes what the socket takes of `bytes` from `offset` without waiting; the offset reached.
    /// Not async: a request nearly always goes out whole at once, and the blocking path of a
    /// request pays for no async call it does not need.
    func writeNow(_ bytes: [UInt8], from offset: Int = 0) throws(TransportError) -> Int {
        var offset = offset
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            if count > 0 { offset += count; continue }
            if count < 0 && errno == EINTR { continue }
            guard count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) else {
                throw .connectionLost("writing the request: \(String(cString: strerror(errno)))")
            }
            break
        }
        return offset
    }

    /// Writes the rest of `bytes`, from `offset`.
    nonisolated(nonsending) func write(_ bytes: [UInt8], from offset: Int = 0, deadline: ContinuousClock.Instant, waiting: SocketWaiting) async throws(TransportError) {
        var offset = try writeNow(bytes, from: offset)
        while offset < bytes.count {
            try Self.mayWrite(after: await wait(for: Int16(POLLOUT), until: deadline, waiting: waiting), sent: offset > 0)
            offset = try writeNow(bytes, from: offset)
        }
    }

    /// ``write(_:from:deadline:waiting:)`` blocking this thread, hearing `stop`.
    func writeBlocking(_ bytes: [UInt8], from offset: Int = 0, deadline: ContinuousClock.Instant, stop: () -> Bool) throws(TransportError) {
        var offset = try writeNow(bytes, from: offset)
        while offset < bytes.count {
            try Self.mayWrite(after: wait(for: Int16(POLLOUT), until: deadline, stop: stop), sent: offset > 0)
            offset = try writeNow(bytes, from: offset)
        }
    }

    /// Throws unless a wait to write more ended with the socket ready.
    private static func mayWrite(after readiness: Readiness, sent: Bool) throws(TransportError) {
        switch readiness {
        case .ready: return
        case .timedOut: throw .timedOut("the request could not be written in time")
        case .stopped: throw .stopped(sent: sent)
        }
    }

    /// Reads what is there (at least one byte) into `buffer`; 0 at the end of the stream.
    /// - Parameters:
    ///   - readTimeout: the longest wait for the next bytes.
    ///   - deadline: when the whole attempt must be over.
    ///   - waitingFirst: wait before the first `recv`, when nothing can be there yet (the
    ///     request has just gone out): saves a `recv` that would only say "nothing yet".
    nonisolated(nonsending) func read(
        into buffer: inout [UInt8], readTimeout: Duration, deadline: ContinuousClock.Instant, waitingFirst: Bool = false, waiting: SocketWaiting
    ) async throws(TransportError) -> Int {
        let quiet = ContinuousClock.now + readTimeout
        var waits = waitingFirst
        var stopped = false
        while true {
            if waits {
                stopped = try Self.isStopped(by: await wait(for: Int16(POLLIN), until: min(quiet, deadline), waiting: waiting), quiet: quiet, deadline: deadline)
            }
            waits = true
            if let count = try receive(into: &buffer, blocking: false) { return count }
            if stopped { throw .stopped(sent: true) }
        }
    }

    /// ``read(into:readTimeout:deadline:waitingFirst:waiting:)`` for a thread that blocks
    /// itself, with no async call to pay for: in recv(2), a ``stopSlice`` at a time, until a
    /// stop or the last slice before the time is up, which waits in poll(2) for exactly what is
    /// left. Blocking in recv(2) is one system call an answer where poll(2) and recv(2) were two.
    func readBlocking(
        into buffer: inout [UInt8], readTimeout: Duration, deadline: ContinuousClock.Instant, waitingFirst: Bool = false, stop: () -> Bool
    ) throws(TransportError) -> Int {
        let quiet = ContinuousClock.now + readTimeout
        // A slice can run past its 50 ms by a clock tick or two: the last ones wait in poll(2).
        let slicesEnd = min(quiet, deadline) - Self.stopSlice - .milliseconds(20)
        while blocksInReceive && !stop() && ContinuousClock.now < slicesEnd {
            if let count = try receive(into: &buffer, blocking: true) { return count }
        }
        var waits = waitingFirst
        var stopped = false
        while true {
            if waits {
                stopped = try Self.isStopped(by: wait(for: Int16(POLLIN), until: min(quiet, deadline), stop: stop), quiet: quiet, deadline: deadline)
            }
            waits = true
            if let count = try receive(into: &buffer, blocking: false) { return count }
            if stopped { throw .stopped(sent: true) }
        }
    }

    /// Whether a wait for the answer's next bytes ended in a stop; throws if it timed out. What
    /// already came is read all the same after a stop: only a wait for more is given up.
    private static func isStopped(by readiness: Readiness, quiet: ContinuousClock.Instant, deadline: ContinuousClock.Instant) throws(TransportError) -> Bool {
        switch readiness {
        case .ready: false
        case .timedOut:
            throw .timedOut(quiet <= deadline ? "no data within the read timeout" : "the request took longer than its total timeout")
        case .stopped: true
        }
    }

    /// One `recv` appended to `buffer`: its count (0 at the end of the stream), or nil when
    /// nothing is there yet, or (`blocking`) nothing came within a ``stopSlice`` or a signal
    /// came: a stop is one (`luastop.c`), and the caller looks for it before waiting again.
    private func receive(into buffer: inout [UInt8], blocking: Bool) throws(TransportError) -> Int? {
        let flags = blocking ? 0 : Int32(MSG_DONTWAIT)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, flags) }
            if count >= 0 {
                buffer += chunk[..<count]
                return count
            }
            if errno == EINTR && !blocking { continue }
            guard errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else {
                throw .connectionLost(String(cString: strerror(errno)))
            }
            return nil
        }
    }

    /// Whether an idle connection is still fit to send on: the server has not closed it (nor
    /// sent anything unasked).
    var isReusable: Bool {
        guard descriptor >= 0 else { return false }
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) == 0
    }
}
