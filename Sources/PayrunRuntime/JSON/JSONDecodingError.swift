// What went wrong in a JSON document, and where.

/// Malformed JSON: where it went wrong and what the decoder expected there.
public struct JSONDecodingError: Error, CustomStringConvertible {
    /// The byte offset into the document, counting from 0.
    public let offset: Int
    public let line: Int
    public let column: Int
    /// What the decoder expected, e.g. "',' or '}' after an object member".
    public let expected: String
    /// What it found instead, e.g. "'x'" or "the end of the document".
    public let found: String

    public var description: String {
        "invalid JSON at byte \(offset) (line \(line), column \(column)): expected \(expected), found \(found)"
    }

    init(document: UnsafeBufferPointer<UInt8>, offset: Int, expected: String, found: String? = nil) {
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
