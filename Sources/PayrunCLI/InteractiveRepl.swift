// `payrun repl` at a terminal: the line editor, a prompt that shows the environment (loudly in
// live), and history that never keeps a line holding a credential.
import LineEditing
import PayrunRuntime

struct InteractiveRepl {
    let session: ReplSession
    let output: StandardStreams
    let terminal: Terminal
    let history: LineHistory
    let colours: Bool

    /// Reads and runs entries until `:quit` or Ctrl-D; returns false (a person's session is not
    /// a failure because one entry failed).
    func run() -> Bool {
        let editor = LineEditor(terminal: terminal, history: history)
        editor.completer = { [session] text in
            let completion = session.completions(for: text)
            return LineCompletion(start: completion.start, candidates: completion.candidates)
        }
        session.colours = colours
        let redactor = session.runner.redactor
        output.write(banner + "\n", to: .standardOutput)
        output.flush()
        while true {
            session.inspectOptions.width = terminal.columns
            let prompt = session.isContinuing ? continuationPrompt : mainPrompt
            switch editor.readLine(prompt: prompt) {
            case .line(let line):
                // The whole statement, however many lines it took, is one history entry.
                let text = (session.pending + [line]).joined(separator: "\n")
                let outcome = session.enter(line)
                output.flush()
                if outcome == .needsMore { continue }
                // A line with a credential in it would put the secret in a file: it is not kept.
                if redactor.redact(text) == text { history.add(text) }
                if outcome == .quit { return false }
            case .interrupted:
                session.cancelPending()
            case .endOfInput:
                return false
            }
        }
    }

    private var environment: PayrunEnvironment { session.runner.environment }

    private var banner: String {
        let bound = session.bindings.map(\.variable).joined(separator: ", ")
        var text = "\(PayrunVersion.description): :help for help, Ctrl-D to leave. Providers: \(bound.isEmpty ? "none" : bound)"
        switch environment {
        case .sandbox: text += "\nsandbox: the built-in simulators; no real money moves"
        case .test: text += "\n" + paint("test: the providers' test systems", "33")
        case .live: text += "\n" + paint("LIVE: the providers' production systems. Real money moves; mutating requests ask first.", "1;97;41")
        }
        return text
    }

    private var mainPrompt: Prompt {
        switch environment {
        case .sandbox: Prompt(paint("sandbox", "32") + "> ")
        case .test: Prompt(paint("test", "1;33") + "> ")
        case .live: Prompt(paint("LIVE", "1;97;41") + "> ")
        }
    }

    /// As wide as the main prompt, so continued lines line up.
    private var continuationPrompt: Prompt {
        Prompt(String(repeating: " ", count: max(0, mainPrompt.width - 4)) + "..> ")
    }

    private func paint(_ text: String, _ code: String) -> String {
        colours ? "\u{1b}[\(code)m\(text)\u{1b}[0m" : text
    }
}
