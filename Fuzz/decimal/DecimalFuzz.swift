// libFuzzer target: payrun.decimal's numbers (DecimalNumber). The input is two numbers' texts
// separated by a space. Reading never crashes and reads a number's own text back as the same
// number; + - * / rounding and comparison never crash and keep their laws where no result
// overflows 38 digits. (Results are checked against Python's decimal in DecimalReferenceTests.)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecimal(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let parts = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
    guard let a = DecimalNumber(parts[0]) else { return 0 }
    check(readsBack: a)
    for rounding in DecimalNumber.Rounding.allCases {
        for scale in [0, 2, a.scale, 38] {
            if let rounded = try? a.rounded(scale: scale, rounding) { check(readsBack: rounded) }
        }
    }
    guard parts.count == 2, let b = DecimalNumber(parts[1]) else { return 0 }
    check(readsBack: b)
    guard DecimalNumber.compare(a, b) == -DecimalNumber.compare(b, a) else { fatalError("compare(\(a), \(b)) is not antisymmetric") }
    guard (a < b) == (DecimalNumber.compare(a, b) < 0), (a == b) == (DecimalNumber.compare(a, b) == 0) else {
        fatalError("< and == disagree with compare for \(a), \(b)")
    }
    if let sum = try? a.adding(b) {
        check(readsBack: sum)
        guard (try? b.adding(a)) == sum else { fatalError("\(a) + \(b) is not \(b) + \(a)") }
        if let back = try? sum.subtracting(b), back != a { fatalError("(\(a) + \(b)) - \(b) is \(back)") }
    }
    if let product = try? a.multiplying(b) {
        check(readsBack: product)
        guard (try? b.multiplying(a)) == product else { fatalError("\(a) * \(b) is not \(b) * \(a)") }
    }
    for rounding in DecimalNumber.Rounding.allCases {
        if let quotient = try? a.dividing(by: b, scale: 10, rounding: rounding) { check(readsBack: quotient) }
    }
    if let exact = try? a.dividingExactly(by: b) { check(readsBack: exact) }
    return 0
}

private func check(readsBack number: DecimalNumber) {
    guard let again = DecimalNumber(number.description), again == number, again.scale == number.scale else {
        fatalError("\(number) does not read back as itself")
    }
}
