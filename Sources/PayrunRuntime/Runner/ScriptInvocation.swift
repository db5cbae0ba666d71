// What one `payrun run` was asked to do.

/// The chunks and script one run executes, in the order `lua` would: every `-e` chunk, then the
/// script with its arguments.
public struct ScriptInvocation: Sendable {
    /// Code given with `-e`, run first, in order.
    public var chunks: [String]
    /// The script's path; `-` reads it from standard input; nil runs only the chunks.
    public var scriptPath: String?
    /// The script as text and the name its messages show (instead of a path).
    public var scriptText: (text: String, name: String)?
    /// The script's arguments: `arg[1]...` and `...` in the script.
    public var arguments: [String]
    /// Handed to the handlers the script registers with `payrun.on`, after its main chunk.
    public var event: HandlerEvent?
    /// The folder `payrun.output` writes reports into (`payrun run --out DIR`); nil refuses it.
    public var reportFolder: String?

    public init(chunks: [String] = [], scriptPath: String? = nil, arguments: [String] = []) {
        self.chunks = chunks
        self.scriptPath = scriptPath
        self.arguments = arguments
    }

    /// `script` with `arguments`.
    init(_ script: Script, arguments: [String]) {
        self.init(chunks: script.chunks, scriptPath: script.path, arguments: arguments)
        if case .text(let text, let name)? = script.source { scriptText = (text, name) }
    }
}
