// The heart of `payrun repl`: one sandboxed Lua state that lives from entry to entry, evaluating
// what is typed the way `lua`'s own prompt does. Terminal handling is the caller's; this part is
// the same whether lines come from a person, a pipe or a host program's own prompt.
import LuaKit

/// An interactive session in the sandbox `payrun run` uses, with providers bound to globals.
///
/// Give it lines with ``enter(_:)``: an expression prints its value (`1+1` prints `2`, a table
/// is pretty-printed with long lists shortened), a statement runs, an incomplete one waits for
/// more lines, and an error is written without ending the session. A time or memory limit ends
/// the entry that hit it, not the session; so does Ctrl-C when the runner takes signals.
/// Lines that start with `:` are commands (``commands``).
///
/// Use it from one thread; entries wait for provider responses on that thread.
public final class ReplSession {
    /// How an entry went.
    public enum Outcome: Equatable, Sendable {
        /// The input is an incomplete statement: give the next line.
        case needsMore
        case succeeded
        /// It did not compile, raised an error, or was stopped; the reason has been written.
        case failed
        /// `:quit`.
        case quit
    }

    public let runner: ScriptRunner
    public let state: LuaState
    /// The globals bound to providers, and the provider each holds.
    public let bindings: [(variable: String, provider: String)]
    /// How values are printed.
    public var inspectOptions = InspectOptions(depth: 8, maxItems: 25, width: 80)
    /// Whether errors are written in red (for a colour terminal).
    public var colours = false
    /// Where the history is kept, for `:env`; nil when it is not kept.
    public var historyPath: String?
    /// Lines of a statement still being typed.
    public private(set) var pending: [String] = []

    /// Makes the state and binds each of `providers` to a global of its name (with any character
    /// a Lua name cannot hold made `_`).
    /// - Throws: ``LuaError`` naming the provider that does not exist.
    public init(runner: ScriptRunner, providers: [String]) throws(LuaError) {
        self.runner = runner
        runner.providers.keepsLastRequest = true  // for :last
        state = try runner.makeState()
        InputFunction.setArguments([], on: state.stack)
        var bindings: [(variable: String, provider: String)] = []
        let bind = try state.load("local variable, name = ...\n_G[variable] = payrun.provider(name)", chunkName: "=(repl)")
        for name in providers {
            guard runner.providers.registry.provider(named: name) != nil else {
                throw LuaError(.runtime, "no provider '\(name)'; the providers are "
                    + runner.providers.registry.names.joined(separator: ", "))
            }
            let variable = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
            try state.execute(bind, [LuaValue(variable), LuaValue(name)])
            bindings.append((variable, name))
        }
        self.bindings = bindings
    }

    /// Whether the next line continues a statement.
    public var isContinuing: Bool { !pending.isEmpty }

    /// Evaluates `line`, or adds it to the statement being typed.
    public func enter(_ line: String) -> Outcome {
        if pending.isEmpty, let command = SessionCommand(line) {
            return perform(command)
        }
        pending.append(line)
        let source = pending.joined(separator: "\n")
        switch compile(source) {
        case .incomplete:
            return .needsMore
        case .failed(let error):
            pending = []
            report(error.message)
            return .failed
        case .compiled:
            pending = []
            return run()
        }
    }

    /// Forgets a statement being typed (Ctrl-C at the prompt).
    public func cancelPending() {
        pending = []
    }

    /// Closes the providers' connections.
    public func close() {
        runner.providers.close()
    }

    // MARK: Compiling

    private enum Compilation {
        /// The function is on the stack.
        case compiled
        case incomplete
        case failed(LuaError)
    }

    /// Compiles `source` as an expression whose values are printed if it is one, as a statement
    /// otherwise, as `lua`'s prompt does.
    private func compile(_ source: String, chunkName: String = "=stdin") -> Compilation {
        let stack = state.stack
        let asExpression: LuaError
        do {
            try stack.load("return " + source + ";", chunkName: chunkName)
            return .compiled
        } catch {
            asExpression = error
        }
        do {
            try stack.load(source, chunkName: chunkName)
            return .compiled
        } catch {
            // An error at the end of the text means the statement (or expression) goes on.
            if error.kind == .syntax, error.message.hasSuffix("<eof>") { return .incomplete }
            // `1 +`: the expression ran into the `;` added after it.
            if asExpression.message.hasSuffix("near ';'"), !source.contains(";") { return .incomplete }
            // Refused at its first word, the text is no statement: what is wrong with it as an
            // expression says more (`1 + * 2`: near '*', not near '1').
            if let first = source.split(whereSeparator: \.isWhitespace).first,
                error.message.hasSuffix("near '\(first.prefix(while: { !"+-*/%^#&~|<>=(){}[];:,.".contains($0) }))'")
            {
                return .failed(asExpression)
            }
            return .failed(error)
        }
    }

    // MARK: Running

    /// Calls the function on top of the stack under the session's limits, printing what it
    /// returns.
    func run() -> Outcome {
        let stack = state.stack
        let base = stack.top - 1
        defer { stack.top = base }
        if let seconds = runner.sandbox.timeLimit { try? state.startTimeLimit(seconds: seconds) }
        if runner.takesTerminationSignals { state.takeTerminationSignals() }
        defer {
            if runner.takesTerminationSignals { state.takeTerminationSignals(false) }
            state.cancelTimeLimit()
            // A stop that came after the entry's code had finished (Ctrl-C while its value was
            // being written) must not stop the next entry before it starts.
            if state.stopReason != nil { state.clearStop() }
        }
        do {
            let count = try stack.protectedCall(argumentCount: 0)
            if count > 0 {
                let text = try render(count)
                runner.output.write(text + "\n", to: .standardOutput)
            }
            return .succeeded
        } catch {
            reportFailure(error)
            return .failed
        }
    }

    /// The `count` values on top of the stack as `payrun.inspect` shows them, tab-separated.
    /// Rendered inside a protected call, as anything that may allocate under the memory cap is.
    private func render(_ count: Int32) throws(LuaError) -> String {
        let stack = state.stack
        let options = inspectOptions
        var text = ""
        try stack.reserve(2)
        stack.push(function: { call in
            var parts: [String] = []
            for position in 1...max(1, call.argumentCount) {
                var inspector = Inspector(stack: call.stack, options: options)
                parts.append(inspector.render(at: call.index(of: position)))
            }
            // Tabs between values, as `print` does, unless one takes several lines.
            text = parts.joined(separator: parts.contains { $0.contains("\n") } ? "\n" : "\t")
            return 0
        })
        stack.insert(at: -(count + 1))  // stack: ... renderer values...
        try stack.protectedCall(argumentCount: count, resultCount: 0)
        return text
    }

    /// Writes why an entry failed, and what to do; a stop is forgotten so the next entry runs.
    private func reportFailure(_ error: LuaError) {
        switch state.stopReason {
        case .interrupted, .cancelled, .halted:
            state.clearStop()
            report("interrupted")
        case .timeLimit:
            state.clearStop()
            let limit = runner.sandbox.timeLimit.map { "\($0)" } ?? "?"
            report(ScriptHints.appending(
                runner.hints.timeLimit, to: "stopped: the entry ran past its time limit of \(limit) s; the session goes on"))
        case nil:
            var text = error.message
            if error.isOutOfMemory, let limit = runner.sandbox.memoryLimit {
                try? state.collectGarbage()
                text += "\n(the entry passed the memory limit of \(SandboxOptions.shown(memoryLimit: limit)); the session goes on. "
                    + "Set large globals to nil to free memory" + (runner.hints.memoryLimit.map { ", or \($0)" } ?? "") + ")"
            }
            report(text)
        }
    }

    /// Writes an error line to standard error.
    func report(_ message: String) {
        let text = colours ? "\u{1b}[31m\(message)\u{1b}[0m" : message
        runner.output.write(text + "\n", to: .standardError)
    }

    /// Writes a line of a command's answer to standard output.
    func say(_ text: String) {
        runner.output.write(text + "\n", to: .standardOutput)
    }
}
