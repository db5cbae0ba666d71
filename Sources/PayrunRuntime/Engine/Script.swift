// What a run executes: a file, or text with the name its messages and tracebacks will show.

/// A script to run.
public struct Script: Sendable {
    enum Source: Sendable {
        case file(String)
        case text(String, name: String)
    }

    /// Nil when only ``chunks`` run.
    let source: Source?
    /// Chunks run before the script, in order (`payrun run -e`); with no script, only these.
    public var chunks: [String] = []

    /// The script in the file at `path` (`-` reads standard input); messages say `path:12:`.
    public static func file(_ path: String) -> Script {
        Script(source: .file(path))
    }

    /// `text` as a script called `name`: messages and tracebacks say `payout.lua:12:`, and
    /// `require` looks for modules in the current folder.
    public static func text(_ text: String, name: String) -> Script {
        Script(source: .text(text, name: name))
    }

    /// Only `chunks`, as `payrun run -e CODE` with no script runs them.
    public static func chunks(_ chunks: [String]) -> Script {
        var script = Script(source: nil)
        script.chunks = chunks
        return script
    }

    /// The script's path, for `arg[0]` and `require`'s folder; nil for text.
    var path: String? {
        if case .file(let path)? = source { return path }
        return nil
    }
}
