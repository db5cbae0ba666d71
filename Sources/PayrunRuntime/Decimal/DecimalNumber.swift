// Exact decimal numbers for money: a 128-bit integer and a count of fraction digits, so 0.1 + 0.2
// is 0.3 and a total of a million amounts is exact to the cent. No operation rounds unless asked.

/// `significand / 10^scale`, exactly, with up to 38 digits.
public struct DecimalNumber: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let significand: Int128
    /// Digits after the decimal point: `12.50` has scale 2. Kept through arithmetic, so amounts
    /// print with the places they were given.
    public let scale: Int

    public static let maximumScale = 38
    public static let zero = DecimalNumber(significand: 0, scale: 0)

    /// How to round a result that has more digits than asked for.
    public enum Rounding: String, Sendable, CaseIterable {
        /// To the nearest, ties to the even neighbour (banker's rounding): no bias in sums.
        case halfEven = "half_even"
        /// To the nearest, ties away from zero (school rounding).
        case halfUp = "half_up"
        /// To the nearest, ties toward zero.
        case halfDown = "half_down"
        /// Toward zero (truncate).
        case down
        /// Away from zero.
        case up
        /// Toward negative infinity.
        case floor
        /// Toward positive infinity.
        case ceiling
    }

    public init(significand: Int128, scale: Int) {
        precondition((0...Self.maximumScale).contains(scale), "scale out of range")
        self.significand = significand
        self.scale = scale
    }

    public init(_ integer: Int) {
        self.init(significand: Int128(integer), scale: 0)
    }

    /// `-12.50`, `+3`, `.5`, `1e-3`, `2.5E+4`; nil for anything else, or more than 38 digits.
    public init?(_ text: some StringProtocol) {
        var bytes = Array(text.utf8)[...]
        var negative = false
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var significand: Int128 = 0
        var digits = 0
        var scale = 0
        var seenPoint = false
        var seenDigit = false
        while let byte = bytes.first, byte != UInt8(ascii: "e"), byte != UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if byte == UInt8(ascii: ".") {
                guard !seenPoint else { return nil }
                seenPoint = true
                continue
            }
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            seenDigit = true
            if significand != 0 || byte != UInt8(ascii: "0") { digits += 1 }
            guard digits <= 38 else { return nil }
            significand = significand * 10 + Int128(byte - UInt8(ascii: "0"))
            if seenPoint { scale += 1 }
        }
        guard seenDigit else { return nil }
        var exponent = 0
        if !bytes.isEmpty {
            bytes = bytes.dropFirst()
            guard let value = Int(String(decoding: bytes, as: UTF8.self)), abs(value) <= 1000 else { return nil }
            exponent = value
        }
        scale -= exponent
        if scale < 0 {
            guard let scaled = Self.multiply(significand, byPowerOfTen: -scale) else { return nil }
            significand = scaled
            scale = 0
        }
        guard scale <= Self.maximumScale else { return nil }
        self.init(significand: negative ? -significand : significand, scale: scale)
    }

    /// The shortest decimal that reads back as `value` (so `0.1` is 0.1, not
    /// 0.1000000000000000055…), without trailing zeros; nil for infinities and NaN.
    public init?(_ value: Double) {
        guard value.isFinite, let exact = DecimalNumber(value.description) else { return nil }
        self = exact.trimmed
    }

    public var description: String {
        let negative = significand < 0
        var digits = String(significand.magnitude)
        if scale > 0 {
            if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
        }
        return negative ? "-" + digits : digits
    }

    public var isZero: Bool { significand == 0 }
    /// -1, 0 or 1.
    public var sign: Int { significand == 0 ? 0 : (significand < 0 ? -1 : 1) }
    public var negated: DecimalNumber { DecimalNumber(significand: -significand, scale: scale) }
    public var magnitude: DecimalNumber { DecimalNumber(significand: significand < 0 ? -significand : significand, scale: scale) }

    /// The same number without trailing fraction zeros: `12.50` → `12.5`.
    public var trimmed: DecimalNumber {
        var significand = self.significand
        var scale = self.scale
        while scale > 0, significand % 10 == 0 {
            significand /= 10
            scale -= 1
        }
        return DecimalNumber(significand: significand, scale: scale)
    }

    /// A float near this number: for display or maths where exactness does not matter.
    public var doubleValue: Double {
        Double(description) ?? .nan
    }

    // MARK: Arithmetic

    public func adding(_ other: DecimalNumber) throws(DecimalError) -> DecimalNumber {
        let (left, right, scale) = try Self.aligned(self, other)
        let (sum, overflow) = left.addingReportingOverflow(right)
        guard !overflow else { throw .overflow("\(self) + \(other)") }
        return DecimalNumber(significand: sum, scale: scale)
    }

    public func subtracting(_ other: DecimalNumber) throws(DecimalError) -> DecimalNumber {
        try adding(other.negated)
    }

    /// The exact product; past 38 fraction digits it is rounded half-even to 38.
    public func multiplying(_ other: DecimalNumber) throws(DecimalError) -> DecimalNumber {
        let left = trimmed
        let right = other.trimmed
        let (product, overflow) = left.significand.multipliedReportingOverflow(by: right.significand)
        guard !overflow else { throw .overflow("\(self) * \(other)") }
        let scale = left.scale + right.scale
        if scale <= Self.maximumScale {
            // Keep the places the operands had: 2.50 * 3 is 7.50.
            return try DecimalNumber(significand: product, scale: scale).rescaled(atLeast: max(self.scale, other.scale))
        }
        return try Self.divide(product, byPowerOfTen: scale - Self.maximumScale, rounding: .halfEven, scale: Self.maximumScale)
    }

    /// `self / other` with `scale` fraction digits, rounded as asked.
    public func dividing(by other: DecimalNumber, scale: Int, rounding: Rounding = .halfEven) throws(DecimalError) -> DecimalNumber {
        guard !other.isZero else { throw .divisionByZero }
        guard (0...Self.maximumScale).contains(scale) else { throw .scale(scale) }
        // self / other * 10^scale = (a / 10^sa) / (b / 10^sb) * 10^scale = a * 10^(scale - sa + sb) / b
        let exponent = scale - self.scale + other.scale
        var numerator = significand
        var denominator = other.significand
        if exponent >= 0 {
            guard let scaled = Self.multiply(numerator, byPowerOfTen: exponent) else { throw .overflow("\(self) / \(other)") }
            numerator = scaled
        } else {
            guard let scaled = Self.multiply(denominator, byPowerOfTen: -exponent) else {
                // The divisor dwarfs the dividend: the quotient is under one unit, and only the
                // rounding decides between 0 and one unit.
                let sign: Int128 = other.significand < 0 ? -1 : 1
                return DecimalNumber(significand: Self.divide(numerator.signum(), sign * Int128.max, rounding: rounding), scale: scale)
            }
            denominator = scaled
        }
        return DecimalNumber(significand: Self.divide(numerator, denominator, rounding: rounding), scale: scale)
    }

    /// `self / other` when it ends within 38 fraction digits; otherwise an error asking for a
    /// scale and a rounding, so a division never rounds unseen.
    public func dividingExactly(by other: DecimalNumber) throws(DecimalError) -> DecimalNumber {
        guard !other.isZero else { throw .divisionByZero }
        for scale in max(self.scale, other.scale)...Self.maximumScale {
            let down = try dividing(by: other, scale: scale, rounding: .down)
            let up = try dividing(by: other, scale: scale, rounding: .up)
            if down == up { return down }
        }
        throw .inexact("\(self) / \(other)")
    }

    /// This number with `scale` fraction digits, rounded as asked (or padded with zeros).
    public func rounded(scale: Int, _ rounding: Rounding = .halfEven) throws(DecimalError) -> DecimalNumber {
        guard (0...Self.maximumScale).contains(scale) else { throw .scale(scale) }
        if scale >= self.scale { return try rescaled(atLeast: scale) }
        return try Self.divide(significand, byPowerOfTen: self.scale - scale, rounding: rounding, scale: scale)
    }

    /// The integer count of `10^-scale` units: `12.34` at scale 2 is 1234. Refuses to drop digits.
    public func units(scale: Int) throws(DecimalError) -> Int {
        let exact = try rounded(scale: scale, .down)
        guard exact == self else { throw .inexact("\(self) has more than \(scale) decimal places; round it first") }
        guard let units = Int(exactly: exact.significand) else { throw .overflow("\(self) in units of 10^-\(scale)") }
        return units
    }

    public static func == (left: DecimalNumber, right: DecimalNumber) -> Bool {
        compare(left, right) == 0
    }

    public static func < (left: DecimalNumber, right: DecimalNumber) -> Bool {
        compare(left, right) < 0
    }

    public func hash(into hasher: inout Hasher) {
        let canonical = trimmed
        hasher.combine(canonical.significand)
        hasher.combine(canonical.scale)
    }

    /// -1, 0 or 1, exactly, whatever the scales.
    public static func compare(_ left: DecimalNumber, _ right: DecimalNumber) -> Int {
        if left.sign != right.sign { return left.sign < right.sign ? -1 : 1 }
        // Whole parts first, then the fractions at a common scale (which always fits).
        let (leftWhole, leftFraction) = left.significand.quotientAndRemainder(dividingBy: power(left.scale))
        let (rightWhole, rightFraction) = right.significand.quotientAndRemainder(dividingBy: power(right.scale))
        if leftWhole != rightWhole { return leftWhole < rightWhole ? -1 : 1 }
        let scale = max(left.scale, right.scale)
        let a = leftFraction * power(scale - left.scale)
        let b = rightFraction * power(scale - right.scale)
        return a == b ? 0 : (a < b ? -1 : 1)
    }

    // MARK: Helpers

    private func rescaled(atLeast scale: Int) throws(DecimalError) -> DecimalNumber {
        guard scale > self.scale else { return self }
        guard let scaled = Self.multiply(significand, byPowerOfTen: scale - self.scale) else { throw .overflow("\(self) at scale \(scale)") }
        return DecimalNumber(significand: scaled, scale: scale)
    }

    private static func aligned(_ a: DecimalNumber, _ b: DecimalNumber) throws(DecimalError) -> (Int128, Int128, Int) {
        let scale = max(a.scale, b.scale)
        guard let left = multiply(a.significand, byPowerOfTen: scale - a.scale),
            let right = multiply(b.significand, byPowerOfTen: scale - b.scale)
        else { throw .overflow("\(a) and \(b) at scale \(scale)") }
        return (left, right, scale)
    }

    private static func power(_ exponent: Int) -> Int128 {
        var result: Int128 = 1
        for _ in 0..<exponent { result *= 10 }
        return result
    }

    static func multiply(_ value: Int128, byPowerOfTen exponent: Int) -> Int128? {
        var result = value
        for _ in 0..<exponent {
            let (product, overflow) = result.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            result = product
        }
        return result
    }

    private static func divide(_ value: Int128, byPowerOfTen exponent: Int, rounding: Rounding, scale: Int) throws(DecimalError) -> DecimalNumber {
        guard exponent <= 38 else { return DecimalNumber(significand: 0, scale: scale) }
        return DecimalNumber(significand: divide(value, power(exponent), rounding: rounding), scale: scale)
    }

    /// `numerator / denominator`, rounded.
    private static func divide(_ numerator: Int128, _ denominator: Int128, rounding: Rounding) -> Int128 {
        let (quotient, remainder) = numerator.quotientAndRemainder(dividingBy: denominator)
        guard remainder != 0 else { return quotient }
        let negative = (numerator < 0) != (denominator < 0)
        let away: Int128 = negative ? -1 : 1
        // Compare |remainder| with half of |denominator| without overflowing.
        let rest = remainder.magnitude
        let other = denominator.magnitude - rest
        let half = rest == other ? 0 : (rest > other ? 1 : -1)
        let roundAway: Bool
        switch rounding {
        case .down: roundAway = false
        case .up: roundAway = true
        case .floor: roundAway = negative
        case .ceiling: roundAway = !negative
        case .halfUp: roundAway = half >= 0
        case .halfDown: roundAway = half > 0
        case .halfEven: roundAway = half > 0 || (half == 0 && quotient % 2 != 0)
        }
        return roundAway ? quotient + away : quotient
    }
}

/// What a decimal operation could not do.
public enum DecimalError: Error, Equatable, CustomStringConvertible {
    case overflow(String)
    case divisionByZero
    case inexact(String)
    case scale(Int)

    public var description: String {
        switch self {
        case .overflow(let what): "decimal overflow: \(what) needs more than 38 digits"
        case .divisionByZero: "decimal division by zero"
        case .inexact(let what) where what.contains("round it first"): what
        case .inexact(let what): "\(what) does not end within 38 decimal places; use div(x, scale [, rounding]) to choose"
        case .scale(let scale): "scale \(scale) is out of range; use 0 to 38 decimal places"
        }
    }
}
