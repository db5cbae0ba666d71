// What a double keeps of a JSON number as written: the parser hands numbers with more digits than
// a double surely holds to its sink, and the sinks (Lua's, the tape's) ask this whether the double
// is nonetheless exactly what was written.

public enum JSONNumberText {
    /// Whether `text` is the spelling of a double's exact value with all its digits
    /// (`0.30000000000000004`, `2.2250738585072014e-308`): then reading it as a double loses nothing.
    public static func isExactDouble(_ text: String) -> Bool {
        guard let value = Double(text), value.isFinite else { return false }
        return digits(of: text) == digits(of: value.description)
    }

    /// A number's significant digits and the power of ten of its first one: `0.0120` and `1.2e-2`
    /// both give ("12", -2), so two spellings of one number compare equal.
    static func digits(of text: String) -> (digits: String, exponent: Int, negative: Bool) {
        var mantissa = Substring(text)
        var exponent = 0
        if let mark = mantissa.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            // Clamped: far past any double's exponent, and `first` below must not overflow (an
            // exponent of -9223372036854775808 trapped here: found moving this under Fuzz/json).
            let written = mantissa[mantissa.index(after: mark)...]
            exponent = max(-1_000_000, min(1_000_000, Int(written) ?? (written.hasPrefix("-") ? -1_000_000 : 1_000_000)))
            mantissa = mantissa[..<mark]
        }
        let negative = mantissa.hasPrefix("-")
        if negative || mantissa.hasPrefix("+") { mantissa = mantissa.dropFirst() }
        let point = mantissa.firstIndex(of: ".")
        let whole = point.map { mantissa[..<$0] } ?? mantissa
        let fraction = point.map { mantissa[mantissa.index(after: $0)...] } ?? ""
        var all = Array(whole + fraction)
        var first = whole.count - 1 + exponent
        while let lead = all.first, lead == "0" {
            all.removeFirst()
            first -= 1
        }
        while let last = all.last, last == "0" { all.removeLast() }
        return all.isEmpty ? ("0", 0, false) : (String(all), first, negative)
    }
}
