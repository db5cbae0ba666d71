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
            // (-1000...1000).contains, not abs(): abs(Int.min) traps.
            guard let value = Int(String(decoding: bytes, as: UTF8.self)), (-1000...1000).contains(value) else { return nil }
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
        guard !overflow, sum.magnitude <= Self.largestMagnitude else { throw .overflow("\(self) + \(other)") }
        return DecimalNumber(significand: sum, scale: scale)
    }

    public func subtracting(_ other: DecimalNumber) throws(DecimalError) -> DecimalNumber {
        try adding(other.negated)
    }

    /// The exact product; past 38 fraction digits it is rounded half-even to 38.
    public func multiplying(_ other: DecimalNumber) throws(DecimalError) -> DecimalNumber {
        let left = trimmed
        let right = other.trimmed
        let negative = (left.significand < 0) != (right.significand < 0)
        // The full 256-bit product: two 38-digit operands whose product needs rounding to 38
        // places still give a result that fits.
        let product = left.significand.magnitude.multipliedFullWidth(by: right.significand.magnitude)
        let scale = left.scale + right.scale
        if scale <= Self.maximumScale {
            guard product.high == 0 else { throw .overflow("\(self) * \(other)") }
            // Keep the places the operands had: 2.50 * 3 is 7.50.
            return try Self.number(product.low, negative: negative, scale: scale, "\(self) * \(other)")
                .rescaled(atLeast: max(self.scale, other.scale))
        }
        let rounded = Self.divide(product, by: Self.powersOfTen[scale - Self.maximumScale], negative: negative, rounding: .halfEven)
        return try Self.number(rounded, negative: negative, scale: Self.maximumScale, "\(self) * \(other)")
    }

    /// `self / other` with `scale` fraction digits, rounded as asked.
    public func dividing(by other: DecimalNumber, scale: Int, rounding: Rounding = .halfEven) throws(DecimalError) -> DecimalNumber {
        guard !other.isZero else { throw .divisionByZero }
        guard (0...Self.maximumScale).contains(scale) else { throw .scale(scale) }
        let negative = (significand < 0) != (other.significand < 0)
        let what = "\(self) / \(other)"
        // self / other * 10^scale = (a / 10^sa) / (b / 10^sb) * 10^scale = a * 10^(scale - sa + sb) / b,
        // with the exponent in -38...76.
        let exponent = scale - self.scale + other.scale
        let dividend = significand.magnitude
        var divisor = other.significand.magnitude
        if exponent >= 0 {
            // Past 10^38 in one factor the quotient is past 38 digits anyway (the divisor has at
            // most 38), so a product that does not fit 128 bits is an overflow.
            let head = max(0, exponent - Self.maximumScale)
            let (scaled, overflow) = dividend.multipliedReportingOverflow(by: Self.powersOfTen[head])
            guard !overflow else { throw .overflow(what) }
            let numerator = scaled.multipliedFullWidth(by: Self.powersOfTen[exponent - head])
            return try Self.number(Self.divide(numerator, by: divisor, negative: negative, rounding: rounding), negative: negative, scale: scale, what)
        }
        let widened = divisor.multipliedFullWidth(by: Self.powersOfTen[-exponent])
        guard widened.high == 0 else {
            // The divisor is past 2^128 and the dividend under 10^38: the quotient is under a third
            // of one unit, and only the rounding decides between 0 and one unit.
            let away = dividend != 0 && Self.roundsAway(half: -1, odd: false, negative: negative, rounding)
            return try Self.number(away ? 1 : 0, negative: negative, scale: scale, what)
        }
        divisor = widened.low
        return try Self.number(Self.divide((0, dividend), by: divisor, negative: negative, rounding: rounding), negative: negative, scale: scale, what)
    }

    /// `self / other` when it ends within 38 fraction digits; otherwise an error asking for a
    /// scale and a rounding, so a division never rounds unseen.
    public func dividingExactly(by other: DecimalNumber) throws(DecimalError) -> DecimalNumber {
        guard !other.isZero else { throw .divisionByZero }
        let first = max(self.scale, other.scale)
        for scale in first...Self.maximumScale {
            do throws(DecimalError) {
                let down = try dividing(by: other, scale: scale, rounding: .down)
                let up = try dividing(by: other, scale: scale, rounding: .up)
                if down == up { return down }
            } catch .overflow(_) where scale > first {
                // The quotient fit with fewer digits: it does not end before a decimal's 38.
                break
            }
        }
        throw .inexact("\(self) / \(other)")
    }

    /// This number with `scale` fraction digits, rounded as asked (or padded with zeros).
    public func rounded(scale: Int, _ rounding: Rounding = .halfEven) throws(DecimalError) -> DecimalNumber {
        guard (0...Self.maximumScale).contains(scale) else { throw .scale(scale) }
        if scale >= self.scale { return try rescaled(atLeast: scale) }
        let negative = significand < 0
        let quotient = Self.divide((0, significand.magnitude), by: Self.powersOfTen[self.scale - scale], negative: negative, rounding: rounding)
        return try Self.number(quotient, negative: negative, scale: scale, "\(self) rounded to \(scale) places")
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

    /// 38 nines: no significand, given or computed, has more digits (Python's decimal with
    /// `prec=38` keeps as many), so every result reads back from its own text.
    static let largestMagnitude: UInt128 = 99_999_999_999_999_999_999_999_999_999_999_999_999

    /// 10^0 through 10^38.
    static let powersOfTen: [UInt128] = (0...38).map { exponent in (0..<exponent).reduce(UInt128(1)) { power, _ in power * 10 } }

    private static func power(_ exponent: Int) -> Int128 {
        Int128(powersOfTen[exponent])
    }

    /// `value * 10^exponent`; nil past 38 digits.
    static func multiply(_ value: Int128, byPowerOfTen exponent: Int) -> Int128? {
        guard value != 0 else { return 0 }
        guard exponent <= maximumScale else { return nil }
        let (product, overflow) = value.magnitude.multipliedReportingOverflow(by: powersOfTen[exponent])
        guard !overflow, product <= largestMagnitude else { return nil }
        return value < 0 ? -Int128(product) : Int128(product)
    }

    /// A result of at most 38 digits, or the overflow of `what`.
    private static func number(_ magnitude: UInt128?, negative: Bool, scale: Int, _ what: @autoclosure () -> String) throws(DecimalError) -> DecimalNumber {
        guard let magnitude, magnitude <= largestMagnitude else { throw .overflow(what()) }
        return DecimalNumber(significand: negative ? -Int128(magnitude) : Int128(magnitude), scale: scale)
    }

    /// The 256-bit `numerator` over `denominator`, rounded as asked for a result of the given
    /// sign; nil when the quotient does not fit 128 bits.
    private static func divide(_ numerator: (high: UInt128, low: UInt128), by denominator: UInt128, negative: Bool, rounding: Rounding) -> UInt128? {
        guard numerator.high < denominator else { return nil }
        let (quotient, remainder) = denominator.dividingFullWidth(numerator)
        guard remainder != 0 else { return quotient }
        // Compare the remainder with half the denominator without overflowing.
        let rest = denominator - remainder
        let half = remainder == rest ? 0 : (remainder > rest ? 1 : -1)
        guard roundsAway(half: half, odd: quotient % 2 != 0, negative: negative, rounding) else { return quotient }
        let (next, overflow) = quotient.addingReportingOverflow(1)
        return overflow ? nil : next
    }

    /// Whether an inexact quotient moves away from zero: `half` says whether the part dropped is
    /// under (-1), at (0) or over (1) half a unit; `odd`, whether the truncated quotient is odd.
    private static func roundsAway(half: Int, odd: Bool, negative: Bool, _ rounding: Rounding) -> Bool {
        switch rounding {
        case .down: false
        case .up: true
        case .floor: negative
        case .ceiling: !negative
        case .halfUp: half >= 0
        case .halfDown: half > 0
        case .halfEven: half > 0 || (half == 0 && odd)
        }
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
