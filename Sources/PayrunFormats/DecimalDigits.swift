// A whole number written in ASCII decimal digits and nothing else: a port, a Content-Length, a
// count in a header. One reading for all of them, so that none takes a sign, a space or a digit
// from another script.

/// Whole numbers read from their digits.
public enum DecimalDigits {
    /// The number `digits` spell: one to `maximumDigits` (at most 18, so it cannot overflow)
    /// ASCII digits, nothing else; nil for anything else.
    @inlinable
    public static func value<Digits: Collection<UInt8>>(of digits: Digits, maximumDigits: Int = 18) -> Int? {
        precondition(maximumDigits <= 18, "more than 18 digits may not fit an Int")
        guard !digits.isEmpty, digits.count <= maximumDigits else { return nil }
        var number = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0") && digit <= UInt8(ascii: "9") else { return nil }
            number = number * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return number
    }

    /// The TCP port `digits` say: one to five digits, from 1 to 65535; nil for anything else.
    @inlinable
    public static func port<Digits: Collection<UInt8>>(_ digits: Digits) -> Int? {
        value(of: digits, maximumDigits: 5).flatMap { (1...65535).contains($0) ? $0 : nil }
    }
}
