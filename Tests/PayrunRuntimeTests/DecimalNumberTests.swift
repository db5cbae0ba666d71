// DecimalNumber, the arithmetic behind payrun.decimal: exact, and rounding only when asked.
import PayrunRuntime
import Testing

@Suite struct DecimalNumberTests {
    func d(_ text: String) -> DecimalNumber { DecimalNumber(text)! }

    @Test func textIsReadExactly() {
        #expect(d("12.50").description == "12.50")
        #expect(d("-0.05").description == "-0.05")
        #expect(d("+3").description == "3")
        #expect(d(".5").description == "0.5")
        #expect(d("1e-3").description == "0.001")
        #expect(d("2.5E+4").description == "25000")
        #expect(d("99999999999999999999999999999999999999").description == "99999999999999999999999999999999999999")
        for bad in ["", "-", ".", "1.2.3", "12,50", "1e", "abc", "nan", "inf", "1 000", "999999999999999999999999999999999999999"] {
            #expect(DecimalNumber(bad) == nil, "\(bad)")
        }
    }

    @Test func floatsGiveTheirShortestDigits() {
        #expect(DecimalNumber(0.1)?.description == "0.1")
        #expect(DecimalNumber(100.0)?.description == "100")
        #expect(DecimalNumber(-2.5e-5)?.description == "-0.000025")
        #expect(DecimalNumber(Double.nan) == nil)
        #expect(DecimalNumber(Double.infinity) == nil)
    }

    @Test func sumsAreExact() throws {
        #expect(try d("0.1").adding(d("0.2")) == d("0.3"))
        #expect(try d("1.50").adding(d("1")).description == "2.50")
        var total = DecimalNumber.zero
        for _ in 0..<100_000 { total = try total.adding(d("0.01")) }
        #expect(total.description == "1000.00")
        #expect(try d("5").subtracting(d("7.25")).description == "-2.25")
    }

    @Test func productsKeepTheirPlaces() throws {
        #expect(try d("2.50").multiplying(d("3")).description == "7.50")
        #expect(try d("0.1").multiplying(d("0.2")).description == "0.02")
        #expect(try d("-1.5").multiplying(d("-1.5")).description == "2.25")
        #expect(throws: DecimalError.self) { try d("1e37").multiplying(d("100")) }
    }

    @Test func divisionRoundsOnlyWhenAsked() throws {
        #expect(try d("10").dividingExactly(by: d("4")).description == "2.5")
        #expect(try d("1").dividingExactly(by: d("8")).description == "0.125")
        #expect(throws: DecimalError.inexact("1 / 3")) { try d("1").dividingExactly(by: d("3")) }
        #expect(throws: DecimalError.divisionByZero) { try d("1").dividingExactly(by: d("0")) }
        #expect(try d("1").dividing(by: d("3"), scale: 4).description == "0.3333")
        #expect(try d("2").dividing(by: d("3"), scale: 2).description == "0.67")
        #expect(try d("-2").dividing(by: d("3"), scale: 2, rounding: .down).description == "-0.66")
        #expect(try d("100").dividing(by: d("7"), scale: 0, rounding: .ceiling).description == "15")
        #expect(try d("1").dividing(by: d("1e30"), scale: 2, rounding: .up).description == "0.01")
    }

    @Test func everyRoundingModeOnTiesAndNegatives() throws {
        let cases: [(String, DecimalNumber.Rounding, String)] = [
            ("2.345", .halfEven, "2.34"), ("2.355", .halfEven, "2.36"), ("-2.345", .halfEven, "-2.34"),
            ("2.345", .halfUp, "2.35"), ("-2.345", .halfUp, "-2.35"),
            ("2.345", .halfDown, "2.34"), ("2.3451", .halfDown, "2.35"),
            ("2.349", .down, "2.34"), ("-2.349", .down, "-2.34"),
            ("2.341", .up, "2.35"), ("-2.341", .up, "-2.35"),
            ("-2.341", .floor, "-2.35"), ("2.349", .floor, "2.34"),
            ("2.341", .ceiling, "2.35"), ("-2.349", .ceiling, "-2.34"),
            ("7", .halfEven, "7.00"),
        ]
        for (value, mode, expected) in cases {
            #expect(try d(value).rounded(scale: 2, mode).description == expected, "\(value) \(mode)")
        }
    }

    @Test func noResultHasMoreThan38Digits() throws {
        // Found by Fuzz/decimal: 1 rounded to 38 places was a 39-digit number that did not read back.
        #expect(throws: DecimalError.self) { try d("1").rounded(scale: 38) }
        #expect(throws: DecimalError.self) { try d("99999999999999999999999999999999999999").adding(d("1")) }
        #expect(try d("0.5").rounded(scale: 37).description == "0." + "5" + String(repeating: "0", count: 36))
        // Found by Fuzz/decimal: an exponent of Int.min trapped in abs().
        #expect(DecimalNumber("1e-9223372036854775808") == nil)
        #expect(DecimalNumber("1e9223372036854775807") == nil)
    }

    @Test func wideProductsAndQuotientsNeedNotFit128Bits() throws {
        // Two 25-digit fractions: the exact product has 50 digits, rounded to 38 places it fits.
        let a = d("0.1234567890123456789012345")
        #expect(try a.multiplying(a).description == "0.01524157875323883675049533479957338669")
        // 10^37 / 10^37 at 2 places: 10^39 as an intermediate, 1.00 as the answer.
        let big = d("10000000000000000000000000000000000000")
        #expect(try big.dividing(by: big, scale: 2).description == "1.00")
        // A divisor past 2^127 once widened: 9.99…9 / 18 is 0.555…, which half-up rounds to 1.
        let nines = d("9.9999999999999999999999999999999999999")
        #expect(try nines.dividing(by: d("18"), scale: 0, rounding: .halfUp).description == "1")
        #expect(try nines.dividing(by: d("18"), scale: 0, rounding: .down).description == "0")
    }

    @Test func comparisonIgnoresTrailingZerosAndScale() {
        #expect(d("1.50") == d("1.5"))
        #expect(Set([d("1.50"), d("1.5"), d("1.500")]).count == 1)
        #expect(d("0.999") < d("1"))
        #expect(d("-1") < d("-0.5"))
        #expect(d("12345678901234567890.1") > d("12345678901234567890.09"))
        #expect(DecimalNumber.compare(d("99999999999999999999999999999999999999"), d("0.00000000000000000000000000000000000001")) == 1)
    }

    @Test func unitsConvertMinorUnitsWithoutLosingDigits() throws {
        #expect(try d("12.34").units(scale: 2) == 1234)
        #expect(try d("12.3").units(scale: 2) == 1230)
        #expect(throws: DecimalError.self) { try d("12.345").units(scale: 2) }
    }
}
