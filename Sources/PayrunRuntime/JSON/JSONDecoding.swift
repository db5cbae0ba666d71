// Decodes JSON straight into Lua values on a stack: no intermediate tree, one pass.
import CLua
import CLuaShims
import LuaKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One decoding of one document onto a Lua stack. Objects become plain tables, arrays become
/// tables with the array metatable (so `[]` stays an array), `null` becomes the null sentinel,
/// integers that fit in 64 bits stay integers, and everything else is a float rounded as
/// `strtod` rounds it.
struct JSONDecoding {
    /// Nesting deeper than this is refused rather than risking the C stack and Lua's.
    static let maximumDepth = 1000

    private let L: OpaquePointer
    private let stack: LuaStack
    private let document: UnsafeBufferPointer<UInt8>
    private let nullIndex: Int32
    private let arrayMetatableIndex: Int32
    private var position = 0
    private var depth = 0
    /// Reused for strings with escapes, which cannot be pushed straight from the document.
    private var scratch: [UInt8] = []

    /// - Parameters:
    ///   - nullIndex: stack index of the null sentinel.
    ///   - arrayMetatableIndex: stack index of the metatable that marks arrays.
    init(document: UnsafeBufferPointer<UInt8>, stack: LuaStack, nullIndex: Int32, arrayMetatableIndex: Int32) {
        self.document = document
        self.stack = stack
        self.L = stack.unsafeState
        self.nullIndex = nullIndex
        self.arrayMetatableIndex = arrayMetatableIndex
    }

    /// Pushes the document's value, or throws and leaves the stack as it found it.
    mutating func decode() throws(JSONDecodingError) {
        let top = lua_gettop(L)
        do throws(JSONDecodingError) {
            skipWhitespace()
            try value()
            skipWhitespace()
            guard position == document.count else { throw error(expected: "the end of the document") }
        } catch {
            lua_settop(L, top)
            throw error
        }
    }

    // MARK: Values

    private mutating func value() throws(JSONDecodingError) {
        guard position < document.count else { throw error(expected: "a value") }
        switch document[position] {
        case UInt8(ascii: "{"): try object()
        case UInt8(ascii: "["): try array()
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "t"):
            try literal("true")
            lua_pushboolean(L, 1)
        case UInt8(ascii: "f"):
            try literal("false")
            lua_pushboolean(L, 0)
        case UInt8(ascii: "n"):
            try literal("null")
            lua_pushvalue(L, nullIndex)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default: throw error(expected: "a value")
        }
    }

    private mutating func enter() throws(JSONDecodingError) {
        depth += 1
        guard depth <= Self.maximumDepth else {
            throw error(expected: "at most \(Self.maximumDepth) levels of nesting", found: "deeper nesting")
        }
        guard lua_checkstack(L, 4) != 0, !stack.isOverMemoryLimit else {
            throw error(expected: "a document that fits in the script's memory limit", found: "not enough memory")
        }
    }

    private mutating func object() throws(JSONDecodingError) {
        try enter()
        position += 1  // {
        lua_createtable(L, 0, 0)
        if try closesEmpty(UInt8(ascii: "}")) { return }
        repeat {
            guard position < document.count, document[position] == UInt8(ascii: "\"") else {
                throw error(expected: "a string key")
            }
            try string()
            skipWhitespace()
            guard position < document.count, document[position] == UInt8(ascii: ":") else {
                throw error(expected: "':' after an object key")
            }
            position += 1
            skipWhitespace()
            try value()
            lua_rawset(L, -3)
        } while try !endOfElement(closing: UInt8(ascii: "}"), expected: "',' or '}' after an object member")
        depth -= 1
    }

    private mutating func array() throws(JSONDecodingError) {
        try enter()
        position += 1  // [
        lua_createtable(L, 0, 0)
        lua_pushvalue(L, arrayMetatableIndex)
        lua_setmetatable(L, -2)
        if try closesEmpty(UInt8(ascii: "]")) { return }
        var count: lua_Integer = 0
        repeat {
            try value()
            count += 1
            lua_rawseti(L, -2, count)
        } while try !endOfElement(closing: UInt8(ascii: "]"), expected: "',' or ']' after an array element")
        depth -= 1
    }

    /// Consumes `closing` right after an opening bracket: an empty container, finished.
    private mutating func closesEmpty(_ closing: UInt8) throws(JSONDecodingError) -> Bool {
        skipWhitespace()
        guard position < document.count && document[position] == closing else { return false }
        position += 1
        depth -= 1
        return true
    }

    /// Consumes what follows a container's element: true for the closing bracket, false for a
    /// comma (and the whitespace after it); anything else is an error.
    private mutating func endOfElement(closing: UInt8, expected: String) throws(JSONDecodingError) -> Bool {
        skipWhitespace()
        guard position < document.count else { throw error(expected: expected) }
        switch document[position] {
        case UInt8(ascii: ","):
            position += 1
            skipWhitespace()
            // The host builds past the script's memory cap, so it watches the cap itself.
            guard !stack.isOverMemoryLimit else {
                throw error(expected: "a document that fits in the script's memory limit", found: "not enough memory")
            }
            return false
        case closing:
            position += 1
            return true
        default:
            throw error(expected: expected)
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONDecodingError) {
        let length = word.utf8CodeUnitCount
        guard position + length <= document.count,
            memcmp(document.baseAddress! + position, word.utf8Start, length) == 0
        else { throw error(expected: "'\(word)'") }
        position += length
    }

    // MARK: Strings

    private mutating func string() throws(JSONDecodingError) {
        position += 1  // the opening quote
        let start = position
        // The common case: printable ASCII with no escapes, pushed straight from the document.
        while position < document.count {
            let byte = document[position]
            if byte == UInt8(ascii: "\"") {
                _ = lua_pushlstring(L, UnsafeRawPointer(document.baseAddress! + start).assumingMemoryBound(to: CChar.self),
                                    position - start)
                position += 1
                return
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { break }
            position += 1
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: document[start..<position])
        try stringWithEscapes()
    }

    private mutating func stringWithEscapes() throws(JSONDecodingError) {
        while position < document.count {
            let byte = document[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                scratch.withUnsafeBytes { stack.push(bytes: $0) }
                return
            case UInt8(ascii: "\\"):
                try escape()
            case 0..<0x20:
                throw error(expected: "a control character to be escaped in a string")
            case 0x80...:
                try multibyteCharacter()
            default:
                scratch.append(byte)
                position += 1
            }
        }
        throw error(expected: "'\"' to close the string")
    }

    private mutating func escape() throws(JSONDecodingError) {
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

    private mutating func unicodeEscape() throws(JSONDecodingError) {
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

    private mutating func hexQuad() throws(JSONDecodingError) -> UInt32 {
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

    /// Copies one UTF-8 encoded character of two to four bytes, refusing invalid encodings
    /// (overlong forms, surrogates, values past U+10FFFF, truncated sequences).
    private mutating func multibyteCharacter() throws(JSONDecodingError) {
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
        scratch.append(contentsOf: document[position..<position + length])
        position += length
    }

    // MARK: Numbers

    private mutating func number() throws(JSONDecodingError) {
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
                lua_pushinteger(L, lua_Integer(mantissa))
                return
            }
            if negative && mantissa <= UInt64(Int64.max) + 1 {
                lua_pushinteger(L, lua_Integer(bitPattern: 0 &- mantissa))
                return
            }
        }
        // Exact when the mantissa and the power of ten are both exact doubles (Clinger's fast path).
        if digits <= 15 && mantissa <= 1 << 53 && (-22...22).contains(exponent) {
            var value = Double(mantissa)
            value = exponent < 0 ? value / Self.powersOfTen[-exponent] : value * Self.powersOfTen[exponent]
            lua_pushnumber(L, negative ? -value : value)
            return
        }
        lua_pushnumber(L, parseSlowly(start..<position))
    }

    /// The numbers off the fast path: Swift's parser rounds correctly and, unlike `strtod`,
    /// reads '.' as the decimal point whatever locale the process runs in.
    private func parseSlowly(_ range: Range<Int>) -> Double {
        Double(String(decoding: UnsafeBufferPointer(rebasing: document[range]), as: UTF8.self)) ?? .nan
    }

    private static let powersOfTen: [Double] = (0...22).map { exponent in
        (0..<exponent).reduce(1.0) { value, _ in value * 10 }
    }

    @inline(__always)
    private func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    // MARK: Whitespace and errors

    @inline(__always)
    private mutating func skipWhitespace() {
        while position < document.count {
            switch document[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    private func error(expected: String, found: String? = nil) -> JSONDecodingError {
        JSONDecodingError(document: document, offset: position, expected: expected, found: found)
    }
}
