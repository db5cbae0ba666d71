// One benchmark's figures, printed as a Markdown table row.

struct BenchmarkResult {
    let name: String
    /// payrun's figure and the reference's, in the same unit.
    let subject: Double
    let reference: Double
    let detail: String
    let ratioMeaning: String

    var ratio: Double { subject / reference }

    var row: String {
        "| \(name) | \(detail) | \(format(ratio))x \(ratioMeaning) |"
    }
}

/// Two decimals, without Foundation.
func format(_ value: Double) -> String {
    let scaled = (value * 100).rounded()
    let whole = Int(scaled / 100)
    let fraction = Int(abs(scaled).truncatingRemainder(dividingBy: 100))
    return "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
}

/// A benchmark that could not run, and why.
struct Failure: Error, CustomStringConvertible {
    let description: String
}
