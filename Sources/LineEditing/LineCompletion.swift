// What Tab offers: the words that could replace the one before the cursor.

/// Candidates for the word that starts at ``start`` (a character offset in the line) and ends at
/// the cursor.
public struct LineCompletion: Equatable, Sendable {
    public var start: Int
    public var candidates: [String]

    public init(start: Int, candidates: [String]) {
        self.start = start
        self.candidates = candidates
    }

    /// The longest text every candidate starts with.
    public var commonPrefix: String {
        guard var prefix = candidates.first.map(Array.init) else { return "" }
        for candidate in candidates.dropFirst() {
            let characters = Array(candidate)
            var length = 0
            while length < prefix.count, length < characters.count, prefix[length] == characters[length] { length += 1 }
            prefix.removeSubrange(length...)
        }
        return String(prefix)
    }
}
