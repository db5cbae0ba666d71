// Where `payrun` asks for a live mutation's yes: the controlling terminal, so a script's piped
// input or output does not answer.
import LineEditing
import PayrunRuntime

struct TerminalPrompt: ConfirmationPrompt {
    func ask(_ question: String) -> String? {
        guard let terminal = Terminal.controlling() else { return nil }
        terminal.write(question)
        // A terminal that ends the input (Ctrl-D) answered: not yes.
        return String(decoding: terminal.readLine(limit: 64) ?? [], as: UTF8.self)
    }
}
