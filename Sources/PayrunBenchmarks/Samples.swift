// One measurement taken over several rounds: its median, and its least and greatest values, so
// a figure from this noisy shared machine comes with how much it moved.

struct Samples {
    private(set) var values: [Double] = []

    init(_ values: [Double] = []) {
        self.values = values
    }

    mutating func add(_ value: Double) {
        values.append(value)
    }

    /// The middle value (the mean of the two middle ones for an even count).
    var median: Double { Self.median(values) }
    var minimum: Double { values.min() ?? .nan }
    var maximum: Double { values.max() ?? .nan }

    /// `1523 (1402–1611)`: the median, then the range, each as `formatted` writes it.
    func text(_ formatted: (Double) -> String) -> String {
        "\(formatted(median)) (\(formatted(minimum))–\(formatted(maximum)))"
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
