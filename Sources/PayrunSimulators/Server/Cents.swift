// Amounts with two decimals, as the simulators keep them: whole cents, read from and written as
// `12.50`.

enum Cents {
    /// `12`, `12.5`, `12.50` in cents; nil for anything else (a sign, a comma, three decimals,
    /// an exponent, a trailing point).
    static func parse(_ text: String) -> Int? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.allSatisfy({ $0.isASCII && $0.isNumber }),
            let units = Int(whole)
        else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.count <= 2, fraction.allSatisfy({ $0.isASCII && $0.isNumber }), parts.count == 1 || !fraction.isEmpty else { return nil }
        return units * 100 + (Int(fraction + String(repeating: "0", count: 2 - fraction.count)) ?? 0)
    }

    /// `-12.50` for -1250.
    static func text(_ cents: Int) -> String {
        let magnitude = abs(cents)
        return (cents < 0 ? "-" : "") + "\(magnitude / 100)." + (magnitude % 100 < 10 ? "0" : "") + "\(magnitude % 100)"
    }
}
