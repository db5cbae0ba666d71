// The name a misspelt one was most likely meant to be, for errors that say "did you mean": an
// options table's field, a payment's field.

/// Finds the closest of a few known names.
public enum NearestName {
    /// The name `typed` was most likely meant to be: the same but for case, or at most two edits
    /// away (one for names of four letters or less); nil when none is that close.
    public static func to(_ typed: String, among names: [String]) -> String? {
        if let same = names.first(where: { $0.lowercased() == typed.lowercased() }) { return same }
        let typedBytes = Array(typed.utf8)
        let scored = names.map { (name: $0, distance: editDistance(typedBytes, Array($0.utf8))) }
        guard let best = scored.min(by: { $0.distance < $1.distance }) else { return nil }
        return best.distance <= (best.name.utf8.count <= 4 ? 1 : 2) ? best.name : nil
    }

    /// `unknown field 'to_currncy' (did you mean 'to_currency'?)`, or with the fields listed when
    /// none is close.
    public static func unknownField(_ typed: String, among names: [String]) -> String {
        if let near = to(typed, among: names) { return "unknown field '\(typed)' (did you mean '\(near)'?)" }
        return "unknown field '\(typed)' (the fields are \(names.joined(separator: ", ")))"
    }

    /// Levenshtein's distance between two byte strings: insertions, deletions and substitutions.
    private static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var previous = Array(0...b.count)
        for (i, byteA) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, byteB) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (byteA == byteB ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
