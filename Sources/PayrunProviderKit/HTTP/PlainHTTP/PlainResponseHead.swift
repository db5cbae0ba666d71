// The head of the answer nearly every request gets: `HTTP/1.1`, a final status, one
// Content-Length and no other framing header, all of it in the buffer already. Read in one pass
// through a pointer, such a head costs a fifth of what the reader's steps cost (3.5K instructions
// an answer: a slice and an enum copy for each line). Anything else, or anything in doubt, is
// left to the steps, which read every form HTTP/1.1 allows and name what is wrong.
import Glibc
import PayrunFormats

/// A plain response head found whole in a buffer.
struct PlainResponseHead: Equatable {
    let status: Int
    /// The header lines, each with its line end, up to the empty line.
    let headerLines: Range<Int>
    let headerCount: Int
    let contentLength: Int
    /// Where the body starts: just past the empty line.
    let end: Int

    /// The head starting at `start` in `bytes`, if it is all there and plain: `HTTP/1.1`, a
    /// status from 200 up other than 204 and 304, exactly one `Content-Length` of digits, and no
    /// `Connection` or `Transfer-Encoding`. Nil for anything else, malformed heads included: the
    /// reader's steps then take the same bytes and say what is wrong with them.
    static func read(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, maximumHeadBytes: Int) -> PlainResponseHead? {
        guard let base = bytes.baseAddress, start < bytes.count else { return nil }
        let limit = min(bytes.count, start + maximumHeadBytes)
        // The status line.
        guard let statusEnd = lineEnd(base, from: start, to: limit) else { return nil }
        guard let (minorVersion, status) = PlainHTTPResponseReader.versionAndStatus(
            of: UnsafeBufferPointer(start: base + start, count: statusEnd.content - start)),
            minorVersion == 1, status >= 200, status != 204, status != 304
        else { return nil }
        let linesStart = statusEnd.next
        var lineStart = linesStart
        var count = 0
        var length: Int?
        while true {
            guard let end = lineEnd(base, from: lineStart, to: limit) else { return nil }
            if end.content == lineStart {
                guard let length else { return nil }
                return PlainResponseHead(status: status, headerLines: linesStart..<lineStart, headerCount: count, contentLength: length, end: end.next)
            }
            guard let colon = memchr(base + lineStart, Int32(UInt8(ascii: ":")), end.content - lineStart) else { return nil }
            let nameCount = UnsafeRawPointer(colon) - UnsafeRawPointer(base + lineStart)
            let name = UnsafeBufferPointer(start: base + lineStart, count: nameCount)
            switch nameCount {
            case 10 where PlainHTTPClient.named(name, "connection"): return nil
            case 17 where PlainHTTPClient.named(name, "transfer-encoding"): return nil
            case 14 where PlainHTTPClient.named(name, "content-length"):
                // Once, and digits only between optional blanks: a list or a repeat is the steps'.
                let valueStart = lineStart + nameCount + 1
                let value = PlainHTTPResponseReader.trimmed(UnsafeBufferPointer(start: base + valueStart, count: end.content - valueStart))
                guard length == nil, let value = DecimalDigits.value(of: value) else { return nil }
                length = value
            default: break
            }
            count += 1
            lineStart = end.next
        }
    }

    /// The end of the line at `from`: where its content ends (before a CR, if the LF has one) and
    /// where the next line starts; nil if its LF is not before `limit`.
    private static func lineEnd(_ base: UnsafePointer<UInt8>, from: Int, to limit: Int) -> (content: Int, next: Int)? {
        guard from < limit, let found = memchr(base + from, 0x0A, limit - from) else { return nil }
        let newline = UnsafeRawPointer(found) - UnsafeRawPointer(base)
        return (newline > from && base[newline - 1] == UInt8(ascii: "\r") ? newline - 1 : newline, newline + 1)
    }
}
