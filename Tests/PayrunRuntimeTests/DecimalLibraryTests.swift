// payrun.decimal as scripts use it: operators, methods, argument errors in Lua's form, JSON.
import LuaKit
import PayrunRuntime
import Testing

@Suite struct DecimalLibraryTests {
    let harness: ScriptHarness

    init() throws {
        harness = try ScriptHarness()
    }

    @Test func operatorsAreExactAndMixWithNumbersAndStrings() throws {
        let results = try harness.run("""
            local D = payrun.decimal.new
            local a = D("0.1") + 0.2
            return tostring(a), a == D("0.3"), tostring(D("19.99") * 3), tostring(10 - D("0.01")),
              tostring(-D("2.50")), tostring(D("10") / 4), D("1.5") < 2, D(2) <= D("2.00"), "total " .. D("5.10") .. " EUR"
            """)
        #expect(results == ["0.3", true, "59.97", "9.99", "-2.50", "2.5", true, true, "total 5.10 EUR"])
    }

    @Test func methodsRoundAndConvert() throws {
        let results = try harness.run("""
            local D = payrun.decimal
            local x = D.new("2.345")
            return tostring(x:round(2)), tostring(x:round(2, "half_up")), tostring(D.new(1):div(3, 4)),
              x:scale(), x:cmp("2.35"), D.units(1250, 2):tostring(), D.new("12.34"):units(2),
              tostring(D.sum({ "0.10", 0.2, D.new("0.3"), 4 })), D.isdecimal(x), D.isdecimal(2.5),
              D.rounding.half_even, math.type(x:tonumber())
            """)
        #expect(results == ["2.34", "2.35", "0.3333", 3, -1, "12.50", 1234, "4.60", true, false, "half_even", "float"])
    }

    /// `string.format("%.2f", amount)` is what a report writes: exact, half to even as
    /// `d:round`, with the flags and width a float's would get; whole decimals take `%d`.
    @Test func stringFormatPrintsDecimalsExactly() throws {
        let results = try harness.run("""
            local D = payrun.decimal.new
            return string.format("[%.2f] [%8.2f] [%-8.2f] [%08.2f] [%+.1f] [%.0f] [%#.0f] [%f]",
                D("2.675"), D("2.5"), D("2.5"), D("-2.5"), D("3.25"), D("2.5"), D("3"), D("0.1")),
              ("%d items, %x, %s, %g, %5.1f%%"):format(D("12.00"), D(255), D("1.50"), D("0.5"), D("12.345")),
              string.format("%.2f", D("1234567890123456789012345.675")), string.format("%d %s", 3, "x")
            """)
        #expect(results == [
            "[2.68] [    2.50] [2.50    ] [-0002.50] [+3.2] [2] [3.] [0.100000]", "12 items, ff, 1.50, 0.5,  12.3%",
            "1234567890123456789012345.68", "3 x",
        ])
        #expect(try harness.failure(of: "string.format('%d', payrun.decimal.new('2.5'))").contains("bad argument #2 to 'format' (number has no integer representation)"))
        #expect(try harness.failure(of: "string.format('%.2f %i', 1, payrun.decimal.new('1.5'))").contains("bad argument #3 to 'format' (number has no integer representation)"))
        #expect(try harness.failure(of: "string.format('%q', payrun.decimal.new('2.5'))").contains("bad argument #2 to 'format' (value has no literal form)"))
    }

    @Test func errorsSayWhatWentWrong() throws {
        #expect(try harness.failure(of: "payrun.decimal.new('12,50')").contains("bad argument #1 to 'new' ('12,50' is not a decimal number)"))
        // Too many digits is not a typo: said as what it is.
        let long = String(repeating: "9", count: 39)
        #expect(try harness.failure(of: "payrun.decimal.new('\(long)')").contains("'\(long)' does not fit a decimal: at most 38 digits, and 38 places"))
        #expect(try harness.failure(of: "payrun.decimal.new('1e-40')").contains("'1e-40' does not fit a decimal"))
        #expect(try harness.failure(of: "payrun.decimal.new({})").contains("bad argument #1 to 'new' (decimal expected, got table)"))
        #expect(try harness.failure(of: "return payrun.decimal.new(1) / 3").contains("does not end within 38 decimal places; use div(x, scale [, rounding])"))
        // A quotient with digits before the point runs out of the 38 digits before it runs out
        // of places: still a division to choose a scale for, not an overflow.
        #expect(try harness.failure(of: "return payrun.decimal.new(10) / 3").contains("10 / 3 does not end within 38 decimal places; use div("))
        #expect(try harness.failure(of: "return payrun.decimal.new(100) / 6").contains("use div(x, scale [, rounding])"))
        #expect(try harness.failure(of: "return payrun.decimal.new('99999999999999999999999999999999999999') / payrun.decimal.new('0.1')").contains("decimal overflow"))
        #expect(try harness.failure(of: "return payrun.decimal.new(1):div(0, 2)").contains("decimal division by zero"))
        #expect(try harness.failure(of: "return payrun.decimal.new(1):round(2, 'nearest')").contains("bad argument #2 to 'round' (rounding must be one of half_even"))
        #expect(try harness.failure(of: "return payrun.decimal.new('1.005'):units(2)").contains("has more than 2 decimal places; round it first"))
        #expect(try harness.failure(of: "payrun.decimal.new = nil").contains("read-only"))
        let tried = try harness.run("return payrun.decimal.trynew('abc')")
        #expect(tried.first == .nil)
        #expect(tried.last?.text == "'abc' is not a decimal number")
    }

    @Test func jsonWritesTheExactDigits() throws {
        let results = try harness.run("""
            local D = payrun.decimal.new
            return payrun.json.encode({ amount = D("12.50"), fee = D("0.000001"), total = D("-1e2") }, { sort_keys = true })
            """)
        #expect(results == [#"{"amount":12.50,"fee":0.000001,"total":-100}"#])
    }
}
