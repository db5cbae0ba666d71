// Options tables hold only the fields a function reads: a misspelt option (`{header = ...}` for
// `headers`, `{methd = "POST"}`) is an argument error, not a request sent without it.

extension LuaCall {
    /// Throws unless every key of the table at argument `position` is one of `names`; does
    /// nothing when the argument is nil or absent. Keys are read raw, as the fields are.
    /// - Throws: "unknown field 'header' (did you mean 'headers'?)", or "unknown field 'x'
    ///   (the fields are a, b)"; "unknown field [1] ..." for a key that is not a string.
    public func checkFieldNames(of position: Int, among names: [String]) throws(LuaArgumentError) {
        guard try hasFields(at: position) else { return }
        try stack.forEachEntry(of: index(of: position)) { (key, _) throws(LuaArgumentError) in
            guard let name = stack.string(at: key) else {
                let shown = stack.integer(at: key).map { "[\($0)]" } ?? "of type \(stack.type(at: key))"
                throw .invalid(at: position, "unknown field \(shown) (the fields are \(names.joined(separator: ", ")))")
            }
            guard !names.contains(name) else { return }
            if let near = Self.nearest(to: name, among: names) {
                throw .invalid(at: position, "unknown field '\(name)' (did you mean '\(near)'?)")
            }
            throw .invalid(at: position, "unknown field '\(name)' (the fields are \(names.joined(separator: ", ")))")
        }
    }

    /// The name `typed` was most likely meant to be: the same but for case, or at most two
    /// edits away (one for names of four letters or less); nil when none is that close.
    static func nearest(to typed: String, among names: [String]) -> String? {
        if let same = names.first(where: { $0.lowercased() == typed.lowercased() }) { return same }
        let typedBytes = Array(typed.utf8)
        let scored = names.map { (name: $0, distance: editDistance(typedBytes, Array($0.utf8))) }
        guard let best = scored.min(by: { $0.distance < $1.distance }) else { return nil }
        return best.distance <= (best.name.utf8.count <= 4 ? 1 : 2) ? best.name : nil
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
