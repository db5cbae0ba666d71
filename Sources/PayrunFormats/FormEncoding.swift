// application/x-www-form-urlencoded (OAuth token requests, Capitalist's operations), written by
// the providers and read by the simulators.

public enum FormEncoding {
    /// Everything but RFC 3986's unreserved characters as %XX.
    public static func escape(_ text: String) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                bytes.append(byte)
            default:
                bytes += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0xF)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `name=value` pairs joined with `&`, each escaped.
    public static func encode(_ fields: [(String, String)]) -> String {
        fields.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    /// `a=1&b=x%20y` as pairs in order (`+` is a space, as a form has it; not in a URL's query
    /// with `plusIsSpace: false`). Split on bytes, not characters: a combining mark after `&` or
    /// `=` would otherwise join it into one character and hide it.
    public static func fields(_ text: String, plusIsSpace: Bool = true) -> [(String, String)] {
        Array(text.utf8).split(separator: UInt8(ascii: "&")).map { pair in
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            return (decode(parts[0], plusIsSpace: plusIsSpace), parts.count > 1 ? decode(parts[1], plusIsSpace: plusIsSpace) : "")
        }
    }

    private static func decode(_ text: ArraySlice<UInt8>, plusIsSpace: Bool) -> String {
        var bytes: [UInt8] = []
        var input = text
        while let byte = input.popFirst() {
            if byte == UInt8(ascii: "+"), plusIsSpace {
                bytes.append(0x20)
            } else if byte == UInt8(ascii: "%"), input.count >= 2, let high = hexValue(input.first!), let low = hexValue(input.dropFirst().first!) {
                bytes.append(high << 4 | low)
                input = input.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A hex digit's value; nil for anything else (`UInt8("+f", radix: 16)` would take a sign).
    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
