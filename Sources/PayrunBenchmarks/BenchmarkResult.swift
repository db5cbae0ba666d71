// One benchmark's figures, printed as a Markdown table row.

struct BenchmarkResult {
    let name: String
    /// payrun's figure and the reference's, in the same unit.
    let subject: Double
    let reference: Double
    let detail: String
    let ratioMeaning: String
    /// Each round's own ratio, when the figures come in rounds run back to back: on a noisy
    /// machine the median of these is steadier than the ratio of the medians, since a slow
    /// minute slows both sides of one round.
    var roundRatios: Samples? = nil

    var ratio: Double { roundRatios?.median ?? subject / reference }

    var row: String {
        let range = roundRatios.map { " (rounds \(format($0.minimum))–\(format($0.maximum)))" } ?? ""
        return "| \(name) | \(detail) | \(format(ratio))x\(range) \(ratioMeaning) |"
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
