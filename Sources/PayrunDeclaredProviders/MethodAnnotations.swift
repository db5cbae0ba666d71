// The LuaLS annotations of a declared provider's Lua methods: the `---` lines right above each
// `function t:name(` in its `methods` source, so `payrun annotations` can describe them.

enum MethodAnnotations {
    /// Each method's name and its annotation lines, in the order they are written; a method
    /// without `---` lines gets a one-line description saying where it comes from.
    static func read(_ source: String) -> [(name: String, text: String)] {
        var methods: [(name: String, text: String)] = []
        var comments: [String] = []
        for rawLine in source.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.drop { $0 == " " || $0 == "\t" }
            if line.hasPrefix("---") {
                comments.append(String(line))
                continue
            }
            defer { comments = [] }
            guard line.hasPrefix("function "), let colon = line.firstIndex(of: ":"), let open = line.firstIndex(of: "("), colon < open else { continue }
            let name = String(line[line.index(after: colon)..<open].filter { $0 != " " && $0 != "\t" })
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else { continue }
            methods.append((name, comments.isEmpty ? "---A method of this provider's definition." : comments.joined(separator: "\n")))
        }
        return methods
    }
}
