// Reads one HTTP/1.1 response off a connection: the status line, the headers, and a body sized
// by Content-Length, sent in chunks, or running to the end of the stream. The reading is done in
// steps that take what is buffered as far as it goes (``advance(bodiless:)``), so one reader
// serves a thread that blocks for more (``readNow(bodiless:)``, no async call at all) and a task
// that suspends for it on a reactor (``read(bodiless:)``), with one copy of the framing rules.
import Glibc
import PayrunFormats

/// Reads a response from a ``PlainSocket`` under an attempt's timeouts and size cap.
struct PlainHTTPResponseReader {
    let socket: PlainSocket
    let readTimeout: Duration
    let deadline: ContinuousClock.Instant
    let maximumBodyBytes: Int
    let waiting: SocketWaiting
    /// Read and not yet consumed; `start` is where the unconsumed part begins.
    private var buffer: [UInt8] = []
    private var start = 0
    /// Whether any of the response has come.
    private(set) var answered = false
    /// Where the search for the next line's end goes on from: the bytes before it were searched.
    private var scanned = 0
    /// How far the response has been taken.
    private var step = Step.head(HeadProgress())
    /// The stream ended (for a body that runs to the end).
    private var atEnd = false

    /// The longest head (status line and headers) taken.
    static let maximumHeadBytes = 64 << 10

    init(socket: PlainSocket, readTimeout: Duration, deadline: ContinuousClock.Instant, maximumBodyBytes: Int, waiting: SocketWaiting) {
        self.socket = socket
        self.readTimeout = readTimeout
        self.deadline = deadline
        self.maximumBodyBytes = maximumBodyBytes
        self.waiting = waiting
        // The connection's buffer from its last response, if it had one: taken, so it stays unique.
        swap(&buffer, &socket.spareBuffer)
        buffer.removeAll(keepingCapacity: true)
        buffer.reserveCapacity(8192)
    }

    /// Hands the buffer back to the connection for its next response, unless a long body made it
    /// too large to keep.
    mutating func keepBuffer() {
        guard buffer.capacity <= Self.keptBufferBytes else { return }
        buffer.removeAll(keepingCapacity: true)
        swap(&buffer, &socket.spareBuffer)
    }

    /// The largest buffer a connection keeps between responses.
    static let keptBufferBytes = 256 << 10

    /// The response, and whether the connection can carry another request, suspended on the
    /// socket's reactor for more (a blocking thread reads with ``readNow(bodiless:)``).
    /// - Parameter bodiless: a HEAD request's response, which has no body whatever it says.
    nonisolated(nonsending) mutating func read(bodiless: Bool) async throws(TransportError) -> (ProviderResponse, keepsAlive: Bool) {
        while true {
            if let done = try advance(bodiless: bodiless) { return done }
            try took(await socket.read(into: &buffer, readTimeout: readTimeout, deadline: deadline, waitingFirst: !answered, waiting: waiting))
        }
    }

    /// ``read(bodiless:)`` on a reader whose waiting is blocking: no async call, no task needed.
    mutating func readNow(bodiless: Bool) throws(TransportError) -> (ProviderResponse, keepsAlive: Bool) {
        // A new reader holds nothing yet: no step to take before the first read.
        if start == buffer.count { try readMoreNow() }
        while true {
            if let done = try advance(bodiless: bodiless) { return done }
            try readMoreNow()
        }
    }

    /// Reads more into the buffer, blocking this thread (hearing its stop).
    private mutating func readMoreNow() throws(TransportError) {
        guard case .blocking(let stop) = waiting else { preconditionFailure("a reader on a reactor reads by suspending") }
        try took(socket.readBlocking(into: &buffer, readTimeout: readTimeout, deadline: deadline, waitingFirst: !answered, stop: stop))
    }

    /// Notes a read of `count` bytes: 0 is the end of the stream, which ends only a body that
    /// runs to it.
    private mutating func took(_ count: Int) throws(TransportError) {
        guard count > 0 else {
            if case .body(_, .toEnd, _) = step {
                atEnd = true
                return
            }
            throw .connectionLost(answered ? "the server closed the connection before the response ended" : "the server closed the connection without answering")
        }
        answered = true
    }

    /// How far a response has been taken.
    private enum Step {
        /// The status line and headers, so far.
        case head(HeadProgress)
        /// The body, framed as the head says, and whether the connection stays open after it.
        case body(Head, Body, keepsAlive: Bool)
    }

    private enum Body {
        case length(Int)
        case chunked(ChunkProgress)
        case toEnd
    }

    /// A chunked body so far: the chunks' bytes, and what comes next.
    private struct ChunkProgress {
        var body: [UInt8] = []
        /// The size of the chunk whose data comes next; nil when a size line does.
        var size: Int?
        /// The last chunk came: trailers, up to an empty line.
        var inTrailers = false
    }

    /// Takes what is buffered as far as it goes: the response and whether the connection can
    /// carry another, or nil when more must be read first (the buffer is then compacted).
    /// - Parameter bodiless: a HEAD request's response, which has no body whatever it says.
    mutating func advance(bodiless: Bool) throws(TransportError) -> (ProviderResponse, keepsAlive: Bool)? {
        while true {
            switch step {
            case .head(var progress):
                if progress.statusLine == nil, !bodiless, let whole = wholePlainResponse() { return whole }
                guard let head = try headStep(&progress) else {
                    step = .head(progress)
                    return nil
                }
                // Interim responses (100 Continue and the like) come before the real one.
                if (100...199).contains(head.status) && head.status != 101 {
                    step = .head(HeadProgress())
                    continue
                }
                step = try bodyStep(after: head, bodiless: bodiless)
            case .body(let head, .length(let count), let keepsAlive):
                // Most bodies came with the head.
                guard buffer.count - start >= count else {
                    makeRoom(forBody: count)
                    return nil
                }
                if start == 0 && buffer.count == count && buffer.capacity - count <= count / 8 + 64 {
                    // A long body, read into a buffer of its size: handed over as it is (not one
                    // that came apart from its head into the connection's larger buffer, which
                    // would stay held by a small page).
                    var body: [UInt8] = []
                    swap(&body, &buffer)
                    start = 0
                    scanned = 0
                    return finished(head, body, keepsAlive: keepsAlive)
                }
                let body = copy(start..<(start + count))
                start += count
                return finished(head, body, keepsAlive: keepsAlive)
            case .body(let head, .chunked(var progress), let keepsAlive):
                guard try chunkStep(&progress) else {
                    step = .body(head, .chunked(progress), keepsAlive: keepsAlive)
                    compact()
                    return nil
                }
                return finished(head, progress.body, keepsAlive: keepsAlive)
            case .body(let head, .toEnd, _):
                // Part of the body may have come with the head: checked before reading more, too.
                guard buffer.count - start <= maximumBodyBytes else { throw .tooLarge(limit: maximumBodyBytes) }
                guard atEnd else { return nil }
                defer { start = buffer.count }
                return finished(head, Array(buffer[start...]), keepsAlive: false)
            }
        }
    }

    /// The response, when all of it is buffered and its head is the plain kind
    /// (``PlainResponseHead``); nil, with nothing taken, for the steps to read.
    private mutating func wholePlainResponse() -> (ProviderResponse, keepsAlive: Bool)? {
        let found = buffer.withUnsafeBufferPointer { PlainResponseHead.read($0, from: start, maximumHeadBytes: Self.maximumHeadBytes) }
        guard let head = found, head.contentLength <= maximumBodyBytes, buffer.count - head.end >= head.contentLength else { return nil }
        let headers = ResponseHeaders(lines: copy(head.headerLines), count: head.headerCount)
        let body = copy(head.end..<(head.end + head.contentLength))
        start = head.end + head.contentLength
        scanned = start
        // HTTP/1.1 with no `Connection: close`: kept, unless bytes no request asked for follow.
        return (ProviderResponse(status: head.status, headerFields: headers, body: body), start == buffer.count)
    }

    /// The buffer's bytes in `range`, copied with `memcpy` into an array made zeroed: `Array`
    /// of a slice copied them through the generic path (350 instructions for a short body), and
    /// an array made uninitialized looked its storage's type up at run time (700).
    private func copy(_ range: Range<Int>) -> [UInt8] {
        var copy = [UInt8](repeating: 0, count: range.count)
        guard !range.isEmpty else { return copy }
        copy.withUnsafeMutableBufferPointer { target in
            buffer.withUnsafeBufferPointer { all in _ = memcpy(target.baseAddress!, all.baseAddress! + range.lowerBound, range.count) }
        }
        return copy
    }

    /// How the body after `head` is framed (RFC 9112 §6.3): Transfer-Encoding wins over
    /// Content-Length, and a response carrying both, or a coding other than chunked last, is not
    /// trusted to leave the connection clean. Repeated Content-Lengths must all say the same.
    private func bodyStep(after head: Head, bodiless: Bool) throws(TransportError) -> Step {
        let framing = head.framing
        // HTTP/1.1 keeps the connection, HTTP/1.0 only when asked to; `close` wins over both.
        var keepsAlive = head.minorVersion == 1 || (head.minorVersion == 0 && framing.asksKeepAlive)
        if framing.closes { keepsAlive = false }
        let codings = framing.codings
        if bodiless || head.status == 204 || head.status == 304 {
            return .body(head, .length(0), keepsAlive: keepsAlive)
        }
        if !codings.isEmpty {
            if framing.length != .none { keepsAlive = false }
            return codings.last == "chunked" ? .body(head, .chunked(ChunkProgress()), keepsAlive: keepsAlive) : .body(head, .toEnd, keepsAlive: false)
        }
        if framing.length != .none {
            guard case .value(let count, _) = framing.length else {
                // The values are not quoted: a confused server may have put anything there.
                throw .connectionLost("a malformed response: a Content-Length that is not one number")
            }
            guard count <= maximumBodyBytes else { throw .tooLarge(limit: maximumBodyBytes) }
            return .body(head, .length(count), keepsAlive: keepsAlive)
        }
        return .body(head, .toEnd, keepsAlive: false)
    }

    /// The response the head and body make; bytes past it were never asked for, so the
    /// connection is not trusted again.
    private mutating func finished(_ head: Head, _ body: [UInt8], keepsAlive: Bool) -> (ProviderResponse, keepsAlive: Bool) {
        step = .head(HeadProgress())
        return (ProviderResponse(status: head.status, headerFields: head.headers, body: body), keepsAlive && start == buffer.count)
    }

    /// For a body of `count` bytes not all here yet: what came of it moved to the front and room
    /// made for the rest, so that each read appends to it once and the whole is handed over
    /// without a copy (a page of 166 KB had been copied five times: grown twice, compacted,
    /// and copied out). Up to 1 MB: a server announcing more sends it in bigger steps.
    private mutating func makeRoom(forBody count: Int) {
        guard count <= 1 << 20 else { return compact() }
        if start > 0 {
            buffer.removeFirst(start)
            scanned = max(0, scanned - start)
            start = 0
        }
        if buffer.capacity < count { buffer.reserveCapacity(count) }
    }

    /// Drops the consumed bytes once they are most of the buffer, so a long body is not copied
    /// over and over.
    private mutating func compact() {
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            scanned = max(0, scanned - start)
            start = 0
        }
    }

    /// The next line, without its CRLF (or bare LF), if all of it has been read; nil if more must
    /// be read first. Not async: a head's lines nearly always come in one read, and an async
    /// call for each of them cost more than finding its end.
    private mutating func bufferedLine(limit: Int) throws(TransportError) -> ArraySlice<UInt8>? {
        let from = max(scanned, start)
        // memchr: a generic `firstIndex(of:)` took 8 instructions a byte of a head.
        let lineStart = start
        // The LF, and where the line ends before it: at a CR there, if there is one (a generic
        // `dropLast` cost 36 instructions a line).
        let ends = buffer.withUnsafeBufferPointer { bytes -> (newline: Int, line: Int)? in
            guard from < bytes.count, let base = bytes.baseAddress, let found = memchr(base + from, 0x0A, bytes.count - from) else { return nil }
            let newline = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
            return (newline, newline > lineStart && base[newline - 1] == UInt8(ascii: "\r") ? newline - 1 : newline)
        }
        if let ends {
            start = ends.newline + 1
            scanned = start
            return buffer[lineStart..<ends.line]
        }
        scanned = buffer.count
        guard buffer.count - start <= limit else { throw .connectionLost("a malformed response: a line longer than \(limit) bytes") }
        return nil
    }

    /// A response's head: its status line, its headers as bytes (``ResponseHeaders``), and what
    /// the three that frame the body say.
    private struct Head {
        /// The `x` of `HTTP/1.x`.
        var minorVersion: Int
        var status: Int
        var headers: ResponseHeaders
        var framing: Framing
    }

    /// What `Connection`, `Content-Length` and `Transfer-Encoding` say, read from their bytes as
    /// the head's lines come (making a string of each value, and arrays of their items, cost 2K
    /// instructions an answer).
    private struct Framing {
        /// A `Connection` item said `close`.
        var closes = false
        /// A `Connection` item said `keep-alive`.
        var asksKeepAlive = false
        /// The one length every `Content-Length` item gives.
        var length = Length.none
        /// `Transfer-Encoding`'s codings, lower-cased, in order.
        var codings: [String] = []

        enum Length: Equatable {
            case none
            /// Every item so far was this number, written with this many digits.
            case value(Int, digits: Int)
            /// An item was not digits only (or too many of them), or not the same as another.
            case malformed

            /// With one more item: the same as every other (the same digits), or malformed.
            func adding(_ item: ArraySlice<UInt8>) -> Length {
                guard let value = DecimalDigits.value(of: item) else { return .malformed }
                switch self {
                case .none: return .value(value, digits: item.count)
                case .value(value, item.count): return self
                case .value, .malformed: return .malformed
                }
            }
        }

        mutating func add(_ header: FramingHeader, _ value: ArraySlice<UInt8>) {
            switch header {
            case .connection:
                PlainHTTPResponseReader.forEachItem(of: value) { token in
                    if PlainHTTPClient.named(token, "close") { closes = true }
                    if PlainHTTPClient.named(token, "keep-alive") { asksKeepAlive = true }
                }
            case .contentLength:
                PlainHTTPResponseReader.forEachItem(of: value) { length = length.adding($0) }
            case .transferEncoding:
                // A list's empty items are ignored (RFC 9110 §5.6.1.2): `chunked,` ends with
                // chunked, and its body is not to be read to the close with the chunks' sizes in it.
                PlainHTTPResponseReader.forEachItem(of: value) { coding in
                    if !coding.isEmpty { codings.append(String(decoding: coding, as: UTF8.self).asciiLowercased) }
                }
            }
        }
    }

    /// The headers that say how a body is framed and whether the connection stays open.
    fileprivate enum FramingHeader {
        case connection, contentLength, transferEncoding

        /// Which one `name` is, if any: lengths first, since most headers are none of the three.
        init?(_ name: ArraySlice<UInt8>) {
            switch name.count {
            case 10 where PlainHTTPClient.named(name, "connection"): self = .connection
            case 14 where PlainHTTPClient.named(name, "content-length"): self = .contentLength
            case 17 where PlainHTTPClient.named(name, "transfer-encoding"): self = .transferEncoding
            default: return nil
            }
        }
    }

    /// A head so far: the status line, the header lines taken, and what framing they say.
    private struct HeadProgress {
        var statusLine: (minorVersion: Int, status: Int)?
        /// The header lines, copied out in one piece when the empty line ends them, or when the
        /// buffer is compacted: from `block`, where those not copied yet start in the buffer (nil
        /// before the status line).
        var lines: [UInt8] = []
        var count = 0
        var block: Int?
        var framing = Framing()
        var size = 0
    }

    /// Takes the status line and the headers as far as they are buffered: the head once the
    /// empty line after them is there, or nil (the lines so far kept in `progress`). Each line
    /// is taken from the buffer as it is there: an async call a line cost more than finding its end.
    private mutating func headStep(_ progress: inout HeadProgress) throws(TransportError) -> Head? {
        while true {
            guard let line = try bufferedLine(limit: Self.maximumHeadBytes) else {
                // Compacting drops what was read: the lines so far are copied out first.
                if let from = progress.block { progress.lines += buffer[from..<start] }
                compact()
                if progress.block != nil { progress.block = start }
                return nil
            }
            progress.size += line.count
            guard let (minorVersion, status) = progress.statusLine else {
                guard let first = Self.versionAndStatus(of: line) else {
                    // What came is not quoted: it may be part of another answer, a token included.
                    throw .connectionLost("a malformed response: the first line is not an HTTP/1.x status line")
                }
                progress.statusLine = first
                progress.block = start
                continue
            }
            if line.isEmpty, let from = progress.block {
                progress.lines += buffer[from..<line.startIndex]
                return Head(
                    minorVersion: minorVersion, status: status, headers: ResponseHeaders(lines: progress.lines, count: progress.count),
                    framing: progress.framing)
            }
            guard progress.size <= Self.maximumHeadBytes else { throw .connectionLost("a malformed response: headers past \(Self.maximumHeadBytes) bytes") }
            // memchr, as for the line's end: `firstIndex(of:)` walked the name a byte at a time.
            let colonOffset = line.withUnsafeBufferPointer { bytes -> Int? in
                guard let base = bytes.baseAddress, let found = memchr(base, Int32(UInt8(ascii: ":")), bytes.count) else { return nil }
                return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
            }
            guard let colon = colonOffset.map({ line.startIndex + $0 }) else {
                throw .connectionLost("a malformed response: a header line without ':'")
            }
            progress.count += 1
            if let header = FramingHeader(line[..<colon]) {
                progress.framing.add(header, line[(colon + 1)...])
            }
        }
    }

    /// The minor version and the status of a status line, `HTTP/1.x NNN[ reason]`; nil if it is
    /// not one.
    static func versionAndStatus(of line: ArraySlice<UInt8>) -> (Int, Int)? {
        line.withUnsafeBufferPointer { versionAndStatus(of: $0) }
    }

    static func versionAndStatus(of line: UnsafeBufferPointer<UInt8>) -> (Int, Int)? {
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        // `HTTP/1.x NNN`, then the end or a space before the reason: read in place, a
        // byte at a time (slices and `starts(with:)` cost 360 instructions an answer).
        guard line.count >= 12, line.count == 12 || line[12] == UInt8(ascii: " "), line[8] == UInt8(ascii: " "),
              memcmp(line.baseAddress!, "HTTP/1.", 7) == 0, isDigit(line[7]),
              isDigit(line[9]), isDigit(line[10]), isDigit(line[11])
        else { return nil }
        let digit = { (offset: Int) in Int(line[offset] - UInt8(ascii: "0")) }
        return (digit(7), digit(9) * 100 + digit(10) * 10 + digit(11))
    }

    /// Calls `body` with each item of a header's comma-separated list, trimmed (empty ones too:
    /// `Content-Length`, which is not a list, refuses `2,`; the lists skip them).
    fileprivate static func forEachItem(of value: ArraySlice<UInt8>, _ body: (ArraySlice<UInt8>) -> Void) {
        var start = value.startIndex
        while true {
            let end = value[start...].firstIndex(of: UInt8(ascii: ",")) ?? value.endIndex
            body(trimmed(value[start..<end]))
            guard end < value.endIndex else { return }
            start = end + 1
        }
    }

    /// `bytes` without the spaces and tabs around them (a header value's optional white space).
    static func trimmed<Bytes: BidirectionalCollection<UInt8>>(_ bytes: Bytes) -> Bytes.SubSequence {
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        let start = bytes.firstIndex { !isBlank($0) } ?? bytes.endIndex
        let end = bytes[start...].lastIndex { !isBlank($0) }.map { bytes.index(after: $0) } ?? start
        return bytes[start..<end]
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20)
    }

    /// Takes a chunked body's chunks and trailers as far as they are buffered: true once the
    /// empty line after the trailers has come.
    private mutating func chunkStep(_ progress: inout ChunkProgress) throws(TransportError) -> Bool {
        while true {
            if progress.inTrailers {
                // Trailers, if any, up to the empty line.
                guard let line = try bufferedLine(limit: Self.maximumHeadBytes) else { return false }
                if line.isEmpty { return true }
                continue
            }
            guard let size = progress.size else {
                guard let sizeLine = try bufferedLine(limit: 1024) else { return false }
                let digits = sizeLine.prefix { $0 != UInt8(ascii: ";") && $0 != UInt8(ascii: " ") }
                guard !digits.isEmpty, digits.count <= 15, digits.allSatisfy({ Self.isHexDigit($0) }),
                      let size = Int(String(decoding: digits, as: UTF8.self), radix: 16) else {
                    throw .connectionLost("a malformed response: a chunk size that is not a hexadecimal number")
                }
                if size == 0 {
                    progress.inTrailers = true
                    continue
                }
                // Compared without adding: a size near Int.max must not overflow.
                guard size <= maximumBodyBytes - progress.body.count else { throw .tooLarge(limit: maximumBodyBytes) }
                progress.size = size
                continue
            }
            guard buffer.count - start >= size + 2 else { return false }
            progress.body += buffer[start..<(start + size)]
            start += size
            guard buffer[start] == UInt8(ascii: "\r"), buffer[start + 1] == UInt8(ascii: "\n") else {
                throw .connectionLost("a malformed response: a chunk not followed by CRLF")
            }
            start += 2
            progress.size = nil
        }
    }
}
