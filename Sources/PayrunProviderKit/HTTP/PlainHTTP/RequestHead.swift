// The request line and headers of a plain-HTTP request, as the bytes that go out. Every part is
// checked as the bytes it is (values and the target eight bytes at a time: a byte at a time cost
// 1.5K instructions a request), measured, and then written into an array made at the head's size:
// appending a dozen parts to a growing array cost 1.2K more.

import PayrunFormats
import PayrunLocks

/// The head of a request to a plain-HTTP destination.
enum RequestHead {
    /// The request line and headers, ending in the empty line.
    /// - Throws: `.unsendable` for a URL or header HTTP/1.1 cannot carry. A header's value may
    ///   be a secret: it is never quoted.
    /// - Parameter kept: the header lines written last, with what they were written from: used
    ///   again for a request with the same headers to the same server and no length to give,
    ///   and replaced by this request's otherwise.
    static func bytes(
        of request: ProviderRequest, to destination: PlainHTTPClient.Destination, keeping kept: Locked<HeaderLines?>? = nil
    ) throws(TransportError) -> [UInt8] {
        var method = request.method, url = destination.url, hostHeader = destination.hostHeader
        let slash = destination.targetNeedsSlash
        // Measured and checked first.
        guard !method.isEmpty, method.withUTF8(isToken) else { throw .unsendable("the URL cannot be sent") }
        let targetFits = url.withUTF8 { bytes in
            !holdsAny(UnsafeBufferPointer(rebasing: bytes[destination.targetRange])) { hasByte(below: 0x21, in: $0) || hasByte(0x7f, in: $0) }
        }
        guard targetFits else { throw .unsendable("the URL cannot be sent") }
        var size = method.utf8.count + 1 + (slash ? 1 : 0) + destination.targetRange.count + requestLineEnd.utf8CodeUnitCount
        let requestLine = size
        let givesNoLength = request.body == nil && !method.withUTF8(sendsABody)
        if givesNoLength, let kept, let lines = kept.withLock({ $0?.bytes(for: request.headers, to: hostHeader) }) {
            var head = [UInt8](repeating: 0, count: size + lines.count)
            head.withUnsafeMutableBufferPointer { buffer in
                var writer = Writer(buffer: buffer)
                writeRequestLine(&method, slash: slash, &url, destination.targetRange, to: &writer)
                lines.withUnsafeBufferPointer { writer.write($0) }
                precondition(writer.count == buffer.count, "the request head was measured wrong")
            }
            return head
        }
        var hasHost = false, hasLength = false
        for index in request.headers.indices {
            let fits = withBytes(of: request.headers[index].0) { name in
                guard !name.isEmpty, isToken(name) else { return false }
                hasHost = hasHost || PlainHTTPClient.named(name, "host")
                hasLength = hasLength || PlainHTTPClient.named(name, "content-length")
                return true
            } && withBytes(of: request.headers[index].1) { value in
                // A byte below 14 is rare: only then is the word asked about each of the three.
                !holdsAny(value) { hasByte(below: 0x0e, in: $0) && (hasByte(0x0d, in: $0) || hasByte(0x0a, in: $0) || hasByte(0, in: $0)) }
            }
            guard fits else { throw .unsendable("a header name or value holds a character HTTP does not allow, such as a line break") }
            size += request.headers[index].0.utf8.count + 2 + request.headers[index].1.utf8.count + 2
        }
        if !hasHost { size += hostName.utf8CodeUnitCount + hostHeader.utf8.count + 2 }
        let length = hasLength ? nil : request.body?.count ?? (method.withUTF8(sendsABody) ? 0 : nil)
        var lengthDigits: [UInt8] = []
        if let length {
            lengthDigits = Array(String(length).utf8)
            size += contentLengthName.utf8CodeUnitCount + lengthDigits.count + 2
        }
        size += 2

        // Zeroed, then written: making it uninitialized looked its storage's type up at run time.
        var head = [UInt8](repeating: 0, count: size)
        head.withUnsafeMutableBufferPointer { buffer in
            var writer = Writer(buffer: buffer)
            writeRequestLine(&method, slash: slash, &url, destination.targetRange, to: &writer)
            for index in request.headers.indices {
                withBytes(of: request.headers[index].0) { writer.write($0) }
                writer.write(UInt8(ascii: ":"))
                writer.write(UInt8(ascii: " "))
                withBytes(of: request.headers[index].1) { writer.write($0) }
                writer.write(0x0d)
                writer.write(0x0a)
            }
            if !hasHost {
                writer.write(hostName)
                hostHeader.withUTF8 { writer.write($0) }
                writer.write(0x0d)
                writer.write(0x0a)
            }
            if length != nil {
                writer.write(contentLengthName)
                lengthDigits.withUnsafeBufferPointer { writer.write($0) }
                writer.write(0x0d)
                writer.write(0x0a)
            }
            writer.write(0x0d)
            writer.write(0x0a)
            precondition(writer.count == size, "the request head was measured wrong")
        }
        if givesNoLength, !hasLength, let kept {
            let lines = HeaderLines(headers: request.headers, hostHeader: hostHeader, bytes: Array(head[requestLine...]))
            kept.withLock { $0 = lines }
        }
        return head
    }

    /// Writes the request line: the method, the target (after a `/` for a URL with no path),
    /// the version. `inout` only to read the strings' bytes in place.
    private static func writeRequestLine(
        _ method: inout String, slash: Bool, _ url: inout String, _ targetRange: Range<Int>, to writer: inout Writer
    ) {
        method.withUTF8 { writer.write($0) }
        writer.write(UInt8(ascii: " "))
        if slash { writer.write(UInt8(ascii: "/")) }
        url.withUTF8 { writer.write(UnsafeBufferPointer(rebasing: $0[targetRange])) }
        writer.write(requestLineEnd)
    }

    /// Header lines as written for a request (its own headers, `Host`, the empty line), with
    /// what they were written from. A script's requests to one server carry the same headers
    /// for a second at a time (Particeep's signature and its DateTime change each second), and
    /// checking and writing them again cost 1.5K instructions a request.
    struct HeaderLines: Sendable {
        let headers: [(String, String)]
        let hostHeader: String
        let bytes: [UInt8]

        /// The lines, if they were written from exactly these headers, byte for byte (`==` on
        /// strings is canonical equivalence: two spellings of one character would match).
        func bytes(for headers: [(String, String)], to hostHeader: String) -> [UInt8]? {
            guard headers.count == self.headers.count, Self.same(hostHeader, self.hostHeader) else { return nil }
            for index in headers.indices {
                guard Self.same(headers[index].0, self.headers[index].0), Self.same(headers[index].1, self.headers[index].1) else { return nil }
            }
            return bytes
        }

        /// Whether two strings hold the same bytes: at once when they are one string value (one
        /// storage, or one small string's bits), as a request's headers nearly always are the
        /// last one's (literals, a signature kept for its second); else compared byte for byte,
        /// which cost 190 instructions a string.
        @inline(__always)
        private static func same(_ one: String, _ other: String) -> Bool {
            unsafeBitCast(one, to: (UInt, UInt).self) == unsafeBitCast(other, to: (UInt, UInt).self) || one.hasSameBytes(as: other)
        }
    }

    private static let requestLineEnd: StaticString = " HTTP/1.1\r\n"
    private static let hostName: StaticString = "Host: "
    private static let contentLengthName: StaticString = "Content-Length: "

    /// `body` given `text`'s UTF-8 where it is, without a copy of the string to call `withUTF8` on
    /// (a retain and a release for each name and value, twice).
    @inline(__always)
    private static func withBytes<Result>(of text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        var text = text
        return text.withUTF8(body)
    }

    /// Whether a request of this method says how long its body is even without one.
    private static func sendsABody(_ method: UnsafeBufferPointer<UInt8>) -> Bool {
        guard method.count >= 3, method[0] == UInt8(ascii: "P") else { return false }
        return method.elementsEqual("POST".utf8) || method.elementsEqual("PUT".utf8) || method.elementsEqual("PATCH".utf8)
    }

    /// Writes into memory measured for it; a write past its end (a head measured wrong) stops
    /// the process rather than write over whatever follows.
    private struct Writer {
        let buffer: UnsafeMutableBufferPointer<UInt8>
        var count = 0

        mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard let source = bytes.baseAddress, let target = buffer.baseAddress else { return }
            precondition(bytes.count <= buffer.count - count, "the request head was measured wrong")
            (target + count).update(from: source, count: bytes.count)
            count += bytes.count
        }

        mutating func write(_ literal: StaticString) {
            literal.withUTF8Buffer { write($0) }
        }

        mutating func write(_ byte: UInt8) {
            precondition(count < buffer.count, "the request head was measured wrong")
            buffer[count] = byte
            count += 1
        }
    }

    /// Whether `refused` finds a byte it refuses among `bytes`: it is asked of eight bytes at a
    /// time, as a word, the last few padded with an `A`.
    @inline(__always)
    private static func holdsAny(_ bytes: UnsafeBufferPointer<UInt8>, _ refused: (UInt64) -> Bool) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        while offset + 8 <= bytes.count {
            if refused(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))) { return true }
            offset += 8
        }
        guard offset < bytes.count else { return false }
        var last = UInt64(0x4141_4141_4141_4141)
        withUnsafeMutableBytes(of: &last) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[offset...])) }
        return refused(last)
    }

    /// Whether any of the eight bytes of `word` is `byte` (the bit trick of "Bit Twiddling Hacks":
    /// only a byte that is zero borrows).
    @inline(__always)
    private static func hasByte(_ byte: UInt8, in word: UInt64) -> Bool {
        hasByte(below: 1, in: word ^ (0x0101_0101_0101_0101 &* UInt64(byte)))
    }

    /// Whether any of the eight bytes of `word` is less than `limit`, at most 128.
    @inline(__always)
    private static func hasByte(below limit: UInt8, in word: UInt64) -> Bool {
        (word &- 0x0101_0101_0101_0101 &* UInt64(limit)) & ~word & 0x8080_8080_8080_8080 != 0
    }

    /// Whether every byte may be part of a method or header name (RFC 9110's `tchar`).
    @inline(__always)
    private static func isToken(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.allSatisfy { byte in
            byte < 0x80 && (byte < 0x40 ? tokenBytesBelow64 >> byte : tokenBytesFrom64 >> (byte - 0x40)) & 1 == 1
        }
    }

    /// `tchar` as bits: `!#$%&'*+-.` and the digits below 64 (a test checks them against the
    /// list); letters and `^_`|~` from 64.
    static let tokenBytesBelow64: UInt64 = 0x03FF_6CFA_0000_0000
    static let tokenBytesFrom64: UInt64 = 0x57FF_FFFF_C7FF_FFFE
}
