// payrun.decimal's arithmetic against Python's decimal module: Reference/decimal.txt holds 3,600
// cases (sums, differences, products, quotients at a scale with each rounding, roundings and
// comparisons, many at the 38-digit edge) written by scripts/decimal-reference.py.
import Foundation
import PayrunRuntime
import Testing

@Suite struct DecimalReferenceTests {
    static let cases: [String] = {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Reference/decimal.txt")
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }()

    @Test func everyCaseGivesPythonsAnswer() {
        #expect(Self.cases.count > 3_000, "Reference/decimal.txt is missing or short")
        var mismatches: [String] = []
        for line in Self.cases {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 5 else {
                mismatches.append("malformed: \(line)")
                continue
            }
            let answer = Self.answer(fields[0], fields[1], fields[2], fields[3])
            if answer != fields[4] { mismatches.append("\(fields[0]) \(fields[1]) \(fields[2]) \(fields[3]): payrun \(answer), Python \(fields[4])") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(Self.cases.count) differ, the first: \(mismatches.prefix(8).joined(separator: "\n"))")
    }

    /// payrun's answer in the file's words: the result's text, "overflow", or what went wrong.
    static func answer(_ operation: String, _ left: String, _ right: String, _ arguments: String) -> String {
        guard let a = DecimalNumber(left) else { return "unreadable \(left)" }
        let b = DecimalNumber(right)
        let words = arguments.split(separator: " ")
        let scale = words.first.flatMap { Int($0) } ?? 0
        let rounding = words.count > 1 ? DecimalNumber.Rounding(rawValue: String(words[1])) : nil
        do {
            switch (operation, b) {
            case ("add", let b?): return try a.adding(b).description
            case ("sub", let b?): return try a.subtracting(b).description
            case ("mul", let b?): return try a.multiplying(b).description
            case ("cmp", let b?): return String(DecimalNumber.compare(a, b))
            case ("div", let b?): return try a.dividing(by: b, scale: scale, rounding: rounding ?? .halfEven).description
            case ("round", _): return try a.rounded(scale: scale, rounding ?? .halfEven).description
            default: return "unknown case"
            }
        } catch .overflow {
            return "overflow"
        } catch {
            return "\(error)"
        }
    }
}
