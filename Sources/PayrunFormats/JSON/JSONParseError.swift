// What went wrong in a JSON document, and where: the byte, line and column, what the parser
// expected there and what it found.

/// Malformed JSON (RFC 8259, read strictly).
public struct JSONParseError: Error, Sendable, CustomStringConvertible {
    /// The byte offset of the problem, counting from 0.
    public let offset: Int
    /// The line and column of the problem, counting from 1 (columns in bytes).
    public let line: Int
    public let column: Int
    /// What the parser expected, e.g. "',' or '}' after an object member".
    public let expected: String
    /// What it found instead, e.g. "'x'" or "the end of the document".
    public let found: String

    /// `expected ..., found ...`.
    public var reason: String { "expected \(expected), found \(found)" }

    /// `invalid JSON at byte 5 (line 1, column 6): expected ':' after an object key, found '1'`.
    public var description: String {
        "invalid JSON at byte \(offset) (line \(line), column \(column)): \(reason)"
    }

    /// The error at `offset` of `document`; `found` defaults to the byte there, or the end.
    public init(document: UnsafeBufferPointer<UInt8>, offset: Int, expected: String, found: String? = nil) {
        self.offset = offset
        self.expected = expected
        var line = 1
        var lineStart = 0
        for index in 0..<min(offset, document.count) where document[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        self.line = line
        self.column = offset - lineStart + 1
        if let found {
            self.found = found
        } else if offset >= document.count {
            self.found = "the end of the document"
        } else {
            let byte = document[offset]
            self.found = byte >= 0x20 && byte < 0x7f
                ? "'\(Character(Unicode.Scalar(byte)))'"
                : "byte 0x\(String(byte, radix: 16, uppercase: true))"
        }
    }
}

/// Why a sink stopped a parse (the document does not fit where it is being built).
public struct JSONRefusal: Error, Sendable {
    public let expected: String
    public let found: String

    public init(expected: String, found: String) {
        self.expected = expected
        self.found = found
    }
}
