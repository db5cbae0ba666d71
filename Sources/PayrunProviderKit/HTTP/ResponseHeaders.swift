// A response's headers kept as the bytes they came in, and made into strings only when something
// reads them. Most answers' headers are read by nobody but the reader's framing (which looks at
// the bytes) and a provider's one or two lookups, yet a `String` was made for each name and value
// of every answer, and again for every attempt's trace: keeping the bytes took a GET from 78.6K
// to 74.2K instructions.
import Glibc
import PayrunFormats

/// A response's headers, in order, names as the server sent them.
public struct ResponseHeaders: Sendable {
    enum Storage: Sendable {
        /// The head's header lines as they came, each ending in LF (a CR before it or not), each
        /// holding a ':' (the reader checked): copied in one piece, split when read.
        case lines([UInt8], count: Int)
        case pairs([(String, String)])
    }

    let storage: Storage

    public init(_ pairs: [(String, String)]) {
        storage = .pairs(pairs)
    }

    /// `count` header lines as a response head holds them, each ending in LF.
    init(lines: [UInt8], count: Int) {
        storage = .lines(lines, count: count)
    }

    /// All of them as strings, made on each call.
    public var pairs: [(String, String)] {
        switch storage {
        case .pairs(let pairs):
            return pairs
        case .lines(let bytes, let count):
            var pairs: [(String, String)] = []
            pairs.reserveCapacity(count)
            forEachLine(of: bytes) { name, value in
                pairs.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
                return true
            }
            return pairs
        }
    }

    public var count: Int {
        switch storage {
        case .pairs(let pairs): pairs.count
        case .lines(_, let count): count
        }
    }

    /// The value of the first header called `name`, ignoring case; only it is made a string.
    public func value(named name: String) -> String? {
        switch storage {
        case .pairs(let pairs):
            return pairs.value(named: name)
        case .lines:
            return withValue(named: name) { String(decoding: $0, as: UTF8.self) } ?? nil
        }
    }

    /// The value of the first header called `name` as a whole number written in decimal digits
    /// alone (at most 18 of them, no sign); nil when there is no such header or it holds
    /// anything else. Read where it is, without making a string of it.
    public func integer(named name: String) -> Int? {
        switch storage {
        case .pairs(let pairs):
            guard var value = pairs.value(named: name) else { return nil }
            return value.withUTF8 { DecimalDigits.value(of: $0) }
        case .lines:
            return withValue(named: name) { DecimalDigits.value(of: $0) } ?? nil
        }
    }

    /// `body` given the value of the first line whose header is called `name`; nil when there
    /// is none.
    private func withValue<Result>(named name: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
        guard case .lines(let bytes, _) = storage else { return nil }
        var wanted = name
        return wanted.withUTF8 { wanted in
            bytes.withUnsafeBufferPointer { all -> Result? in
                guard let base = all.baseAddress, let first = wanted.first else { return nil }
                var start = 0
                while start < all.count {
                    let end = Self.lineEnd(in: all, from: start)
                    // The colon where the name would end, and its first letter, before the
                    // rest: no line is split unless its name is the one.
                    if start + wanted.count < end, base[start + wanted.count] == UInt8(ascii: ":"),
                       String.sameIgnoringASCIICase(base[start], first), Self.sameName(base + start, wanted) {
                        return body(Self.value(in: all, from: start + wanted.count + 1, to: end))
                    }
                    start = end + 1
                }
                return nil
            }
        }
    }

    /// Whether the bytes at `bytes` spell `name`, ignoring the case of letters.
    private static func sameName(_ bytes: UnsafePointer<UInt8>, _ name: UnsafeBufferPointer<UInt8>) -> Bool {
        for offset in name.indices where !String.sameIgnoringASCIICase(bytes[offset], name[offset]) { return false }
        return true
    }

    /// About how many bytes the names and values hold, for a budget.
    package var byteCount: Int {
        switch storage {
        case .pairs(let pairs): pairs.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count }
        case .lines(let bytes, _): bytes.count
        }
    }

    /// The header bytes to search for a secret, or nil when they are kept as strings.
    var lineBytes: [UInt8]? {
        if case .lines(let bytes, _) = storage { return bytes }
        return nil
    }

    /// Calls `body` with each name and value in turn until it returns false.
    private func forEachLine(of bytes: [UInt8], _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Bool) {
        bytes.withUnsafeBufferPointer { all in
            var start = 0
            while start < all.count {
                let end = Self.lineEnd(in: all, from: start)
                let colon = all[start..<end].firstIndex(of: UInt8(ascii: ":")) ?? end
                guard body(UnsafeBufferPointer(rebasing: all[start..<colon]), Self.value(in: all, from: min(colon + 1, end), to: end)) else { return }
                start = end + 1
            }
        }
    }

    /// Where the line starting at `start` ends: its LF, or the end of the bytes.
    private static func lineEnd(in all: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        // memchr: headers are walked a few times an answer.
        guard let base = all.baseAddress, let found = memchr(base + start, 0x0A, all.count - start) else { return all.count }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// The value between a header's colon and its line's end, without the CR before the LF and
    /// the spaces and tabs around it.
    private static func value(in all: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> UnsafeBufferPointer<UInt8> {
        var start = start, end = end
        if end > start, all[end - 1] == 0x0D { end -= 1 }
        while start < end, all[start] == UInt8(ascii: " ") || all[start] == UInt8(ascii: "\t") { start += 1 }
        while end > start, all[end - 1] == UInt8(ascii: " ") || all[end - 1] == UInt8(ascii: "\t") { end -= 1 }
        return UnsafeBufferPointer(rebasing: all[start..<end])
    }
}
