// `payrun repl` with standard input from a pipe or file: no prompts, no colours, no history, so
// a REPL session can be scripted and its output compared.
import PayrunRuntime

struct PipedRepl {
    let session: ReplSession
    let output: StandardStreams

    /// Runs every line; returns whether any entry failed.
    func run() -> Bool {
        var failed = false
        while let line = readLine(strippingNewline: true) {
            let outcome = session.enter(line)
            output.flush()
            if outcome == .failed { failed = true }
            if outcome == .quit { return failed }
        }
        if session.isContinuing {
            output.write("payrun: the input ended inside an unfinished statement\n", to: .standardError)
            return true
        }
        return failed
    }
}
