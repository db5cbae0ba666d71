// Sizes on the command line: `256M`, `1G`, `64k`, or plain bytes.
import ArgumentParser

/// A number of bytes, written with an optional K, M or G suffix (powers of 1024).
struct ByteCount: ExpressibleByArgument {
    let bytes: Int

    init?(argument: String) {
        let multipliers: [Character: Int] = ["k": 1 << 10, "m": 1 << 20, "g": 1 << 30]
        var digits = Substring(argument)
        var multiplier = 1
        if let last = argument.last?.lowercased().first, let found = multipliers[last] {
            multiplier = found
            digits = digits.dropLast()
        }
        // 0 is a size: each option says the least it takes, rather than "invalid value".
        guard let count = Int(digits), count >= 0 else { return nil }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { return nil }
        self.bytes = bytes
    }

    /// How `--help` shows a default: `256M`, not the struct.
    var defaultValueDescription: String {
        for (suffix, size) in [("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)] where bytes % size == 0 { return "\(bytes / size)\(suffix)" }
        return String(bytes)
    }
}
