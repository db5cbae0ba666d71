// The REPL's own commands: lines that start with `:` and a letter (`::label::` stays Lua).

/// A `:command` typed at the prompt.
enum SessionCommand: Equatable {
    case help
    case environment
    case providers
    case load(path: String?)
    case last
    case quit
    case unknown(String)

    /// Every command as typed, for `:help` and completion.
    static let names = [":help", ":env", ":providers", ":load", ":last", ":quit"]

    /// The command `line` asks for, or nil when it is Lua.
    init?(_ line: String) {
        let trimmed = line.drop(while: \.isWhitespace)
        guard trimmed.first == ":", let second = trimmed.dropFirst().first, second.isLetter else { return nil }
        let words = trimmed.dropFirst().split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        let argument = words.count > 1 ? String(words[1]).trimmingWhitespace() : nil
        switch words[0] {
        case "help", "h", "?": self = .help
        case "env": self = .environment
        case "providers": self = .providers
        case "load": self = .load(path: argument?.isEmpty == false ? argument : nil)
        case "last": self = .last
        case "quit", "q", "exit": self = .quit
        default: self = .unknown(String(words[0]))
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
