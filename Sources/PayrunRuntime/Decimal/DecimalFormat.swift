// How a decimal prints under one of `string.format`'s conversions: `%.2f` rounds it exactly (half
// to even, as `d:round(2)`), not through a float; `%d` and the other integer conversions take a
// whole decimal as an integer; `%e`, `%g` and `%a` take its nearest float, as they would a number's.

/// A decimal under a `string.format` conversion spec.
enum DecimalFormat {
    enum Appearance: Equatable {
        /// What the whole conversion prints.
        case text(String)
        /// Formatted by the spec as this integer.
        case integer(Int)
        /// Formatted by the spec as this float.
        case float(Double)
        /// A bad argument, for this reason.
        case refused(String)
        /// Left to `string.format` as it is (`%s` shows its digits; `%q` refuses it).
        case unchanged
    }

    static func appearance(of value: DecimalNumber, spec: String) -> Appearance {
        guard let conversion = spec.utf8.last else { return .unchanged }
        switch conversion {
        case UInt8(ascii: "f"), UInt8(ascii: "F"):
            return fixed(value, spec: Array(spec.utf8.dropFirst().dropLast()))
        case UInt8(ascii: "d"), UInt8(ascii: "i"), UInt8(ascii: "x"), UInt8(ascii: "X"), UInt8(ascii: "o"), UInt8(ascii: "c"):
            // The message Lua gives a float with a fraction.
            guard let integer = try? value.units(scale: 0) else { return .refused("number has no integer representation") }
            return .integer(integer)
        case UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "g"), UInt8(ascii: "G"), UInt8(ascii: "a"), UInt8(ascii: "A"):
            return .float(value.doubleValue)
        default:
            return .unchanged
        }
    }

    /// `%f` with `flags`, width and precision (`-+ #0`, up to two digits each), done on the
    /// decimal's digits.
    private static func fixed(_ value: DecimalNumber, spec: [UInt8]) -> Appearance {
        var index = 0
        var flags = Set<UInt8>()
        while index < spec.count, "-+ #0".utf8.contains(spec[index]) {
            flags.insert(spec[index])
            index += 1
        }
        var width = 0
        while index < spec.count, let digit = Self.digit(spec[index]) {
            width = width * 10 + digit
            index += 1
        }
        var precision = 6
        if index < spec.count, spec[index] == UInt8(ascii: ".") {
            index += 1
            precision = 0
            while index < spec.count, let digit = Self.digit(spec[index]) {
                precision = precision * 10 + digit
                index += 1
            }
        }
        guard index == spec.count else { return .unchanged }
        guard let rounded = try? value.rounded(scale: precision) else {
            return .refused("a decimal has at most \(DecimalNumber.maximumScale) places")
        }
        var digits = rounded.description
        let negative = digits.hasPrefix("-")
        if negative { digits.removeFirst() }
        if precision == 0 && flags.contains(UInt8(ascii: "#")) { digits += "." }
        let sign = negative ? "-" : flags.contains(UInt8(ascii: "+")) ? "+" : flags.contains(UInt8(ascii: " ")) ? " " : ""
        let padding = max(0, width - sign.count - digits.count)
        if flags.contains(UInt8(ascii: "-")) { return .text(sign + digits + String(repeating: " ", count: padding)) }
        if flags.contains(UInt8(ascii: "0")) { return .text(sign + String(repeating: "0", count: padding) + digits) }
        return .text(String(repeating: " ", count: padding) + sign + digits)
    }

    private static func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }
}
