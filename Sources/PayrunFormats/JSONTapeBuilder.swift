// The strict JSON parser (RFC 8259) behind JSONTape and JSONValue.parse: request and response
// bodies, pages of a thousand records and `--data` files of a million, so it reads bytes directly
// and writes fixed-size entries, allocating nothing per value but the text of escaped strings.

struct JSONTapeBuilder {
    private(set) var entries: [JSONTape.Entry] = []
    /// The unescaped text of strings with escapes; their offsets count from the document's end.
    private(set) var unescaped: [UInt8] = []
    private var bytes = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
    private var position = 0
    private var depth = 0
    private static let maximumDepth = 512

    init(capacity: Int) {
        entries.reserveCapacity(capacity)
    }

    /// One value and nothing after it but white space.
    mutating func document(_ document: UnsafeBufferPointer<UInt8>) throws(JSONParseError) {
        bytes = document
        defer { bytes = UnsafeBufferPointer(start: nil, count: 0) }
        try value()
        skipSpace()
        guard position == bytes.count else { throw fail("unexpected text after the JSON value") }
    }

    private mutating func append(_ kind: JSONTape.Kind, count: Int = 0, payload: UInt64 = 0) {
        entries.append(JSONTape.Entry(tag: UInt64(kind.rawValue) | UInt64(count) << 4, payload: payload))
    }

    private mutating func value() throws(JSONParseError) {
        skipSpace()
        guard position < bytes.count else { throw fail("unexpected end of JSON, expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"): try object()
        case UInt8(ascii: "["): try array()
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "t"): try literal("true"); append(.true)
        case UInt8(ascii: "f"): try literal("false"); append(.false)
        case UInt8(ascii: "n"): try literal("null"); append(.null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default: throw fail("unexpected character, expected a value")
        }
    }

    /// Fills in a container's entry once its members are known.
    private mutating func close(_ container: Int, _ kind: JSONTape.Kind, count: Int) {
        entries[container] = JSONTape.Entry(tag: UInt64(kind.rawValue) | UInt64(count) << 4, payload: UInt64(entries.count))
        depth -= 1
    }

    private mutating func object() throws(JSONParseError) {
        try enter()
        position += 1
        let container = entries.count
        append(.object)
        var count = 0
        skipSpace()
        if peek(UInt8(ascii: "}")) {
            position += 1
            return close(container, .object, count: 0)
        }
        while true {
            skipSpace()
            guard peek(UInt8(ascii: "\"")) else { throw fail("expected a member name in double quotes") }
            try string()
            skipSpace()
            guard peek(UInt8(ascii: ":")) else { throw fail("expected ':' after a member name") }
            position += 1
            try value()
            count += 1
            skipSpace()
            if peek(UInt8(ascii: ",")) {
                position += 1
            } else if peek(UInt8(ascii: "}")) {
                position += 1
                return close(container, .object, count: count)
            } else {
                throw fail("expected ',' or '}' in an object")
            }
        }
    }

    private mutating func array() throws(JSONParseError) {
        try enter()
        position += 1
        let container = entries.count
        append(.array)
        var count = 0
        skipSpace()
        if peek(UInt8(ascii: "]")) {
            position += 1
            return close(container, .array, count: 0)
        }
        while true {
            try value()
            count += 1
            skipSpace()
            if peek(UInt8(ascii: ",")) {
                position += 1
            } else if peek(UInt8(ascii: "]")) {
                position += 1
                return close(container, .array, count: count)
            } else {
                throw fail("expected ',' or ']' in an array")
            }
        }
    }

    private mutating func string() throws(JSONParseError) {
        position += 1
        let start = position
        var ascii = true
        // Fast path: no escapes, so the bytes are the string, where they are.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            ascii = ascii && byte < 0x80
            position += 1
        }
        guard position < bytes.count else { throw fail("unterminated string") }
        if bytes[position] == UInt8(ascii: "\"") {
            let slice = UnsafeBufferPointer(rebasing: bytes[start..<position])
            // ASCII (the common case) needs no validation.
            guard ascii || String(validating: slice, as: UTF8.self) != nil else {
                throw JSONParseError(offset: start, reason: "string is not valid UTF-8")
            }
            position += 1
            return append(.string, count: slice.count, payload: UInt64(start))
        }
        var text = Array(bytes[start..<position])
        while bytes[position] != UInt8(ascii: "\"") {
            let byte = bytes[position]
            guard byte >= 0x20 else { throw fail("control character in a string; escape it") }
            if byte == UInt8(ascii: "\\") {
                position += 1
                guard position < bytes.count else { throw fail("unterminated string") }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(escape)
                case UInt8(ascii: "b"): text.append(0x08)
                case UInt8(ascii: "f"): text.append(0x0C)
                case UInt8(ascii: "n"): text.append(0x0A)
                case UInt8(ascii: "r"): text.append(0x0D)
                case UInt8(ascii: "t"): text.append(0x09)
                case UInt8(ascii: "u"): text.append(contentsOf: try unicodeEscape())
                default: throw fail("invalid escape in a string")
                }
            } else {
                text.append(byte)
                position += 1
            }
            guard position < bytes.count else { throw fail("unterminated string") }
        }
        position += 1
        guard String(validating: text, as: UTF8.self) != nil else {
            throw JSONParseError(offset: start, reason: "string is not valid UTF-8")
        }
        append(.string, count: text.count, payload: UInt64(bytes.count + unescaped.count))
        unescaped.append(contentsOf: text)
    }

    /// `\uXXXX`, with a following low surrogate when the first is a high one, as UTF-8.
    private mutating func unicodeEscape() throws(JSONParseError) -> [UInt8] {
        var scalar = try hexQuad()
        if (0xD800..<0xDC00).contains(scalar) {
            guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                throw fail("lone high surrogate in a \\u escape")
            }
            position += 2
            let low = try hexQuad()
            guard (0xDC00..<0xE000).contains(low) else { throw fail("expected a low surrogate after a high one") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00..<0xE000).contains(scalar) {
            throw fail("lone low surrogate in a \\u escape")
        }
        return Array(String(Character(Unicode.Scalar(scalar)!)).utf8)
    }

    private mutating func hexQuad() throws(JSONParseError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw fail("expected four hex digits after \\u") }
        var value: UInt32 = 0
        for byte in bytes[position..<position + 4] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail("expected four hex digits after \\u")
            }
            value = value * 16 + UInt32(digit)
        }
        position += 4
        return value
    }

    private mutating func number() throws(JSONParseError) {
        let start = position
        var isInteger = true
        let negative = peek(UInt8(ascii: "-"))
        if negative { position += 1 }
        let firstDigit = position
        // Integers are read as the digits go by; anything else goes through Double's parser.
        var magnitude: UInt64 = 0
        var overflow = false
        while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(bytes[position] - UInt8(ascii: "0")))
            magnitude = sum
            overflow = overflow || o1 || o2
            position += 1
        }
        let count = position - firstDigit
        guard count > 0 else { throw fail("expected a digit") }
        guard count == 1 || bytes[firstDigit] != UInt8(ascii: "0") else {
            throw JSONParseError(offset: start, reason: "numbers cannot have leading zeros")
        }
        if peek(UInt8(ascii: ".")) {
            isInteger = false
            position += 1
            guard digits() > 0 else { throw fail("expected a digit after '.'") }
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            isInteger = false
            position += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { position += 1 }
            guard digits() > 0 else { throw fail("expected a digit in the exponent") }
        }
        if isInteger, !overflow {
            if !negative, magnitude <= UInt64(Int64.max) {
                return append(.integer, payload: magnitude)
            }
            if negative, magnitude <= UInt64(Int64.max) + 1 {
                return append(.integer, payload: UInt64(bitPattern: Int64(truncatingIfNeeded: 0 &- magnitude)))
            }
        }
        guard let number = Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)),
            number.isFinite
        else {
            throw JSONParseError(offset: start, reason: "number out of range")
        }
        append(.number, payload: number.bitPattern)
    }

    private mutating func digits() -> Int {
        let start = position
        while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
        return position - start
    }

    private mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard bytes.count - position >= expected.count,
            UnsafeBufferPointer(rebasing: bytes[position..<position + expected.count]).elementsEqual(expected)
        else {
            throw fail("unexpected character, expected a value")
        }
        position += expected.count
    }

    private mutating func enter() throws(JSONParseError) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw fail("nested more than \(Self.maximumDepth) deep") }
    }

    private mutating func skipSpace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private func peek(_ byte: UInt8) -> Bool {
        position < bytes.count && bytes[position] == byte
    }

    private func fail(_ reason: String) -> JSONParseError {
        JSONParseError(offset: position, reason: reason)
    }
}
