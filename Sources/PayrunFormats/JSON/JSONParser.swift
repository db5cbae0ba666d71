// payrun's one JSON parser (RFC 8259, strictly): provider answers, request bodies, `--data` files
// of a million records and `payrun.json.decode` all go through it. It reads bytes in one pass and
// hands each value to a sink as it goes — a flat tape for Swift, tables on a Lua stack for
// scripts — so nothing is built twice, and every document is held to the same rules and errors.

/// Receives a document's values in order. Containers are announced before their contents and
/// closed after; an object's members arrive as a name (a string) then a value.
///
/// The parser is generic over its sink and inlinable, so a sink's methods compile into the
/// parse loop of the module that uses it.
public protocol JSONSink {
    mutating func null()
    mutating func bool(_ value: Bool)
    /// An integer that fits in 64 bits, written without a fraction or exponent.
    mutating func integer(_ value: Int)
    /// Any other number, rounded to the nearest double.
    mutating func number(_ value: Double)
    /// A number a double cannot hold as written: an integer beyond 64 bits, or more than 15
    /// significant digits. `text` is the number as written, valid only during the call. The sink
    /// takes it (as an exact decimal), refuses it, or has it rounded to a double and given to
    /// ``number(_:)`` (the default).
    mutating func preciseNumber(_ text: UnsafeBufferPointer<UInt8>) -> JSONPreciseNumber
    /// Whether every number with a fraction or an exponent goes through ``preciseNumber(_:)``
    /// too, however few its digits (false, the default): for a document sent on as written.
    var wantsEveryNumberText: Bool { get }
    /// A string or a member name, as UTF-8 with escapes resolved. `documentOffset` is where the
    /// bytes lie in the document when they are its own (no escapes), nil when they were
    /// unescaped into a scratch buffer. The bytes are valid only during the call.
    mutating func string(_ bytes: UnsafeRawBufferPointer, documentOffset: Int?)
    /// An array starts; a refusal stops the parse (the value would not fit where it is built).
    mutating func beginArray() -> JSONRefusal?
    /// Element `position` (from 1) of the innermost array has been given.
    mutating func element(_ position: Int) -> JSONRefusal?
    mutating func endArray(count: Int)
    mutating func beginObject() -> JSONRefusal?
    /// A member (its name, then its value) of the innermost object has been given.
    mutating func member() -> JSONRefusal?
    mutating func endObject(count: Int)
}

/// What a sink did with a number a double cannot hold as written.
public enum JSONPreciseNumber: Sendable {
    /// It was taken as it is written.
    case taken
    /// Round it to the nearest double, as for any other number.
    case rounded
    /// The parse stops here.
    case refused(JSONRefusal)
}

extension JSONSink {
    @inlinable
    public mutating func preciseNumber(_ text: UnsafeBufferPointer<UInt8>) -> JSONPreciseNumber { .rounded }

    @inlinable
    public var wantsEveryNumberText: Bool { false }
}

/// One parse of one document into a sink.
public struct JSONParser<Sink: JSONSink> {
    @usableFromInline let document: UnsafeBufferPointer<UInt8>
    @usableFromInline var position = 0
    @usableFromInline var depth = 0
    @usableFromInline let maximumDepth: Int
    /// Reused for strings with escapes, which cannot be handed over from the document.
    @usableFromInline var scratch: [UInt8] = []
    public var sink: Sink

    /// - Parameter maximumDepth: nesting deeper than this is refused rather than risking the
    ///   stack (the parser recurses once a level).
    @inlinable
    public init(document: UnsafeBufferPointer<UInt8>, sink: Sink, maximumDepth: Int) {
        self.document = document
        self.sink = sink
        self.maximumDepth = maximumDepth
    }

    /// Parses one value and nothing after it but white space.
    @inlinable
    public mutating func parse() throws(JSONParseError) {
        skipWhitespace()
        try value()
        skipWhitespace()
        guard position == document.count else { throw error(expected: "the end of the document") }
    }

    // MARK: Values

    @inlinable
    mutating func value() throws(JSONParseError) {
        guard position < document.count else { throw error(expected: "a value") }
        switch document[position] {
        case UInt8(ascii: "{"): try object()
        case UInt8(ascii: "["): try array()
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "t"):
            try literal("true")
            sink.bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            sink.bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            sink.null()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default: throw error(expected: "a value")
        }
    }

    @inlinable
    mutating func enter() throws(JSONParseError) {
        depth += 1
        guard depth <= maximumDepth else {
            throw error(expected: "at most \(maximumDepth) levels of nesting", found: "deeper nesting")
        }
    }

    @inlinable
    mutating func object() throws(JSONParseError) {
        try enter()
        if let refusal = sink.beginObject() { throw error(refusal) }
        position += 1  // {
        var count = 0
        if try closesEmpty(UInt8(ascii: "}")) { return sink.endObject(count: 0) }
        repeat {
            guard position < document.count, document[position] == UInt8(ascii: "\"") else {
                throw error(expected: "a string key")
            }
            try string()
            // Compact JSON, the common case, has the colon right after the key and the value
            // right after the colon.
            if position < document.count && document[position] != UInt8(ascii: ":") { skipWhitespace() }
            guard position < document.count, document[position] == UInt8(ascii: ":") else {
                throw error(expected: "':' after an object key")
            }
            position += 1
            if position < document.count && Self.isWhitespace(document[position]) { skipWhitespace() }
            try value()
            count += 1
            if let refusal = sink.member() { throw error(refusal) }
        } while try !endOfElement(closing: UInt8(ascii: "}"), expected: "',' or '}' after an object member")
        depth -= 1
        sink.endObject(count: count)
    }

    @inlinable
    mutating func array() throws(JSONParseError) {
        try enter()
        if let refusal = sink.beginArray() { throw error(refusal) }
        position += 1  // [
        var count = 0
        if try closesEmpty(UInt8(ascii: "]")) { return sink.endArray(count: 0) }
        repeat {
            try value()
            count += 1
            if let refusal = sink.element(count) { throw error(refusal) }
        } while try !endOfElement(closing: UInt8(ascii: "]"), expected: "',' or ']' after an array element")
        depth -= 1
        sink.endArray(count: count)
    }

    /// Consumes `closing` right after an opening bracket: an empty container, finished.
    @inlinable
    mutating func closesEmpty(_ closing: UInt8) throws(JSONParseError) -> Bool {
        skipWhitespace()
        guard position < document.count && document[position] == closing else { return false }
        position += 1
        depth -= 1
        return true
    }

    /// Consumes what follows a container's element: true for the closing bracket, false for a
    /// comma (and the white space after it); anything else is an error.
    @inlinable @inline(__always)
    mutating func endOfElement(closing: UInt8, expected: String) throws(JSONParseError) -> Bool {
        // Compact JSON, the common case, has the comma or the bracket right after the element.
        if position < document.count {
            let byte = document[position]
            if byte == UInt8(ascii: ",") {
                position += 1
                skipWhitespace()
                return false
            }
            if byte == closing {
                position += 1
                return true
            }
        }
        return try endOfElementAfterWhitespace(closing: closing, expected: expected)
    }

    @inlinable
    mutating func endOfElementAfterWhitespace(closing: UInt8, expected: String) throws(JSONParseError) -> Bool {
        skipWhitespace()
        guard position < document.count else { throw error(expected: expected) }
        switch document[position] {
        case UInt8(ascii: ","):
            position += 1
            skipWhitespace()
            return false
        case closing:
            position += 1
            return true
        default:
            throw error(expected: expected)
        }
    }

    @inlinable
    mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let length = word.utf8CodeUnitCount
        guard position + length <= document.count,
            UnsafeBufferPointer(rebasing: document[position..<position + length])
                .elementsEqual(UnsafeBufferPointer(start: word.utf8Start, count: length))
        else { throw error(expected: "'\(word)'") }
        position += length
    }

    // MARK: Strings

    @inlinable @inline(__always)
    mutating func string() throws(JSONParseError) {
        let start = position + 1  // after the opening quote
        // A local cursor, written back once: as a stored property it went to memory at each step.
        var at = start
        let end = document.count
        if let base = document.baseAddress {
            #if _endian(little)
            // Eight bytes at a time while none of them needs a look (most of a string), then a
            // byte at a time from the first that does.
            while at &+ 8 <= end {
                let special = Self.bytesToLookAt(UnsafeRawPointer(base + at).loadUnaligned(as: UInt64.self))
                if special != 0 {
                    at &+= special.trailingZeroBitCount >> 3
                    break
                }
                at &+= 8
            }
            #endif
            // The common case: printable ASCII with no escapes, handed over from the document.
            while at < end {
                let byte = base[at]
                if byte == UInt8(ascii: "\"") {
                    sink.string(UnsafeRawBufferPointer(start: base + start, count: at &- start), documentOffset: start)
                    position = at &+ 1
                    return
                }
                if byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { break }
                at &+= 1
            }
        }
        position = at
        try slowString(from: start)
    }

    /// A mark in the high bit of each byte of `word` (eight bytes of a string, the first in the
    /// lowest bits) that is a quote, a backslash, a control byte or beyond ASCII. Each test may
    /// also mark bytes above one it marks rightly (a borrow carries upward), never below, so the
    /// lowest mark is always the first such byte.
    @inlinable
    static func bytesToLookAt(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* UInt64(UInt8(ascii: "\"")))
        let backslashes = word ^ (ones &* UInt64(UInt8(ascii: "\\")))
        let isQuote = (quotes &- ones) & ~quotes & high
        let isBackslash = (backslashes &- ones) & ~backslashes & high
        let isControl = (word &- ones &* 0x20) & ~word & high
        return isQuote | isBackslash | isControl | (word & high)
    }

    /// The rest of a string that has escapes, control bytes or UTF-8 beyond ASCII: checked byte
    /// by byte, and copied into the scratch buffer from the first escape on.
    @inlinable
    mutating func slowString(from start: Int) throws(JSONParseError) {
        var escaped = false
        while position < document.count {
            let byte = document[position]
            switch byte {
            case UInt8(ascii: "\""):
                if escaped {
                    scratch.withUnsafeBytes { sink.string($0, documentOffset: nil) }
                } else {
                    sink.string(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: document[start..<position])), documentOffset: start)
                }
                position += 1
                return
            case UInt8(ascii: "\\"):
                if !escaped {
                    scratch.removeAll(keepingCapacity: true)
                    scratch.append(contentsOf: document[start..<position])
                    escaped = true
                }
                try escape()
            case 0..<0x20:
                throw error(expected: "a control character to be escaped in a string")
            case 0x80...:
                let length = try multibyteCharacter()
                if escaped { scratch.append(contentsOf: document[position..<position + length]) }
                position += length
            default:
                if escaped { scratch.append(byte) }
                position += 1
            }
        }
        throw error(expected: "'\"' to close the string")
    }

    @inlinable
    mutating func escape() throws(JSONParseError) {
        position += 1  // the backslash
        guard position < document.count else { throw error(expected: "an escape character after '\\'") }
        let byte = document[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(byte)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"): try unicodeEscape()
        default:
            position -= 1
            throw error(expected: "one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u after '\\'")
        }
    }

    @inlinable
    mutating func unicodeEscape() throws(JSONParseError) {
        var scalar = try hexQuad()
        if (0xD800...0xDBFF).contains(scalar) {
            guard position + 1 < document.count, document[position] == UInt8(ascii: "\\"),
                document[position + 1] == UInt8(ascii: "u")
            else { throw error(expected: "a low surrogate '\\uDC00'-'\\uDFFF' after a high surrogate") }
            position += 2
            let low = try hexQuad()
            guard (0xDC00...0xDFFF).contains(low) else {
                position -= 6
                throw error(expected: "a low surrogate '\\uDC00'-'\\uDFFF' after a high surrogate")
            }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(scalar) {
            position -= 6
            throw error(expected: "a high surrogate before a low surrogate", found: "a lone low surrogate")
        }
        scratch.append(contentsOf: Unicode.UTF8.encode(Unicode.Scalar(scalar)!)!)
    }

    @inlinable
    mutating func hexQuad() throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard position < document.count else { throw error(expected: "four hex digits after '\\u'") }
            let byte = document[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error(expected: "four hex digits after '\\u'")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    /// The length of the UTF-8 character of two to four bytes at the position, refusing invalid
    /// encodings (overlong forms, surrogates, values past U+10FFFF, truncated sequences).
    @inlinable
    func multibyteCharacter() throws(JSONParseError) -> Int {
        let lead = document[position]
        let length: Int
        var lower: UInt8 = 0x80
        var upper: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
        default: throw error(expected: "valid UTF-8 in a string")
        }
        guard position + length <= document.count else { throw error(expected: "valid UTF-8 in a string") }
        let second = document[position + 1]
        guard second >= lower && second <= upper else { throw error(expected: "valid UTF-8 in a string") }
        for offset in 2..<max(length, 2) where document[position + offset] & 0xC0 != 0x80 {
            throw error(expected: "valid UTF-8 in a string")
        }
        return length
    }

    // MARK: Numbers

    @inlinable
    mutating func number() throws(JSONParseError) {
        let start = position
        let negative = document[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        guard position < document.count, isDigit(document[position]) else {
            throw error(expected: "a digit in a number")
        }
        var mantissa: UInt64 = 0
        var digits = 0
        if document[position] == UInt8(ascii: "0") {
            position += 1
            if position < document.count && isDigit(document[position]) {
                throw error(expected: "'.', 'e' or the end of the number after a leading 0")
            }
        } else {
            while position < document.count, isDigit(document[position]) {
                if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(document[position] &- 48) }
                digits += 1
                position += 1
            }
        }
        var isInteger = true
        var exponent = 0
        if position < document.count && document[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard position < document.count, isDigit(document[position]) else {
                throw error(expected: "a digit after the decimal point")
            }
            while position < document.count, isDigit(document[position]) {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(document[position] &- 48)
                    exponent -= 1
                }
                if mantissa != 0 || digits > 0 { digits += 1 }
                position += 1
            }
        }
        if position < document.count && (document[position] | 0x20) == UInt8(ascii: "e") {
            isInteger = false
            position += 1
            var exponentNegative = false
            if position < document.count && (document[position] == UInt8(ascii: "+") || document[position] == UInt8(ascii: "-")) {
                exponentNegative = document[position] == UInt8(ascii: "-")
                position += 1
            }
            guard position < document.count, isDigit(document[position]) else {
                throw error(expected: "a digit in the exponent")
            }
            var written = 0
            while position < document.count, isDigit(document[position]) {
                if written < 10_000 { written = written * 10 + Int(document[position] - 48) }
                position += 1
            }
            exponent += exponentNegative ? -written : written
        }
        if isInteger && digits <= 19 {
            if !negative && mantissa <= UInt64(Int64.max) {
                return sink.integer(Int(mantissa))
            }
            if negative && mantissa <= UInt64(Int64.max) + 1 {
                return sink.integer(Int(Int64(bitPattern: 0 &- mantissa)))
            }
        }
        // Past 64 bits, or more digits than a double keeps (15 always survive the round trip).
        if isInteger || digits > 15 || sink.wantsEveryNumberText {
            switch sink.preciseNumber(UnsafeBufferPointer(rebasing: document[start..<position])) {
            case .taken: return
            case .rounded: break
            case .refused(let refusal):
                position = start
                throw error(refusal)
            }
        }
        // Exact when the mantissa and the power of ten are both exact doubles (Clinger's fast path).
        if digits <= 15 && mantissa <= 1 << 53 && (-22...22).contains(exponent) {
            var value = Double(mantissa)
            value = exponent < 0 ? value / JSONPowersOfTen.table[-exponent] : value * JSONPowersOfTen.table[exponent]
            return sink.number(negative ? -value : value)
        }
        // Swift's parser rounds correctly and, unlike `strtod`, reads '.' whatever the locale.
        let text = String(decoding: UnsafeBufferPointer(rebasing: document[start..<position]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            position = start
            throw error(expected: "a number within the range of a double", found: text)
        }
        sink.number(value)
    }

    @inlinable @inline(__always)
    func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    // MARK: White space and errors

    @inlinable @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    @inlinable @inline(__always)
    mutating func skipWhitespace() {
        while position < document.count && Self.isWhitespace(document[position]) { position += 1 }
    }

    @inlinable
    func error(expected: String, found: String? = nil) -> JSONParseError {
        JSONParseError(document: document, offset: position, expected: expected, found: found)
    }

    @inlinable
    func error(_ refusal: JSONRefusal) -> JSONParseError {
        error(expected: refusal.expected, found: refusal.found)
    }
}

/// The powers of ten a double holds exactly, for the fast path.
@usableFromInline
enum JSONPowersOfTen {
    @usableFromInline static let table: [Double] = (0...22).map { exponent in
        (0..<exponent).reduce(1.0) { value, _ in value * 10 }
    }
}
