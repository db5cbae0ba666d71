// The Lua chunks payrun loads itself: `payrun.step`'s journaling, `payrun.paginate`'s iterator,
// `payrun.parallel`'s workers, `payrun.on`'s registry, the sandbox's prelude and a built-in
// provider's methods written in Lua (`payrun.provider.capitalist`). To a script they
// are library functions, as a C one would be: an error names the script's line, not one of
// theirs, and a traceback shows each as `[C]: in function 'payrun.step'`, without the `xpcall`
// or `error` of their own workings.

enum HostChunk {
    static let step = "payrun.step"
    static let paginate = "payrun.paginate"
    static let parallel = "payrun.parallel"
    static let on = "payrun.on"
    static let sandbox = "[payrun sandbox]"

    static let names = [step, paginate, parallel, on, sandbox]

    /// The name to load `chunk`'s source under (`=payrun.step`).
    static func loadName(_ chunk: String) -> String {
        "=" + chunk
    }

    /// The name of a built-in provider's Lua methods.
    static func provider(_ name: String) -> String {
        "payrun.provider." + name
    }

    /// The chunk a traceback's `frame` (`\tpayrun.step:51: in function 'payrun.step'`) is in,
    /// when it is one of these.
    static func name(of frame: Substring) -> Substring? {
        let text = frame.drop { $0 == "\t" }
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let chunk = text[..<colon]
        guard names.contains(where: { chunk == $0 }) || (chunk.hasPrefix("payrun.provider.") && !chunk.contains(" ")) else { return nil }
        return chunk
    }

    /// Whether a traceback's `frame` is in one of these.
    static func contains(frame: Substring) -> Bool {
        name(of: frame) != nil
    }

    /// `traceback` with each frame of these chunks shown as a C function's, and the C functions
    /// just above it, which it called for its own workings, left out.
    static func tidied(_ traceback: String) -> String {
        var frames: [Substring] = []
        for frame in traceback.split(separator: "\n", omittingEmptySubsequences: false) {
            guard let name = name(of: frame) else {
                frames.append(frame)
                continue
            }
            while let last = frames.last, last.hasPrefix("\t[C]: ") { frames.removeLast() }
            var what = frame.range(of: ": in ").map { String(frame[$0.upperBound...]) } ?? ""
            // An unnamed function of its own: shown as the library's.
            if what.isEmpty || what.contains("<" + name + ":") { what = "function '\(name)'" }
            frames.append(Substring("\t[C]: in " + what))
        }
        return frames.joined(separator: "\n")
    }
}
