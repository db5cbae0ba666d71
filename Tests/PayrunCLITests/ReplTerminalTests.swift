// `payrun repl` at a real terminal: a pseudo-terminal driven key by key, as a person would type.
// Completion, history across sessions, multi-line input, Ctrl-C during a slow request, and a
// secret that never shows however it is asked for.
import Foundation
import PayrunSimulators
import PayrunTestSupport
import Testing

@Suite struct ReplTerminalTests {
    static let up = "\u{1b}[A"
    static let controlC = "\u{3}"
    static let controlR = "\u{12}"
    static let controlU = "\u{15}"

    /// A fresh folder for the history file, so no test reads another's (or the user's).
    func stateFolder() -> String {
        TestFiles.path("payrun-repl")
    }

    /// `payrun repl arguments...` on a terminal of its own, with its history in `state`: waits
    /// for the first prompt, then runs `body` with it, off the pool.
    func repl(
        _ arguments: [String], state: String, environment: [String: String] = [:],
        _ body: @escaping @Sendable (PseudoTerminal) throws -> Void
    ) async throws {
        try await offThePool {
            let terminal = try PseudoTerminal(arguments, environment: environment.merging(["XDG_STATE_HOME": state]) { $1 })
            try terminal.waitFor("sandbox> ")
            try body(terminal)
        }
    }

    /// The same, against simulators started here with `configuration` instead of payrun's own.
    func repl(
        _ arguments: [String], simulators configuration: SimulatorServer.Configuration, state: String,
        environment: [String: String] = [:], _ body: @escaping @Sendable (PseudoTerminal) throws -> Void
    ) async throws {
        try await SimulatorFixture.with(configuration) { server in
            let variables = environment.merging(["PAYRUN_SANDBOX_URL": server.baseURL]) { $1 }
            try await repl(arguments, state: state, environment: variables, body)
        }
    }

    @Test func tabCompletesNamesFieldsMethodsEndpointsAndProviders() async throws {
        let state = stateFolder()
        try await repl(["repl", "particeep"], state: state) { terminal in
            // Two candidates: the common part is typed already, so Tab lists them.
            terminal.type("string.re\t")
            try terminal.waitFor("reverse(")
            try terminal.enter("p\t\"ab\", 2)", expecting: "\"abab\"")
            try terminal.enter("payrun.ins\t{1, 2})", expecting: "\"{ 1, 2 }\"")
            // A provider's method, then one of its endpoints inside the call's first argument.
            try terminal.enter("particeep:g\t\"/in\t\")", expecting: "simulator = \"payrun sandbox\"")
            var mark = terminal.screenText.count
            terminal.type("particeep:get(\"/us\t\t")
            try terminal.waitFor("/user/email/{email}", after: mark)
            terminal.type(Self.controlU)
            try terminal.enter("payrun.provider(\"trad\t\")", expecting: "payrun.provider")
            mark = terminal.screenText.count
            terminal.type(":pro\t\r")
            try terminal.waitFor("tradevest (tradevest = payrun.provider(\"tradevest\") to use it)", after: mark)
            try terminal.endSession()
            #expect(terminal.exitStatus() == 0)
        }
    }

    @Test func historyComesBackInTheNextSessionAndCtrlRSearchesIt() async throws {
        let state = stateFolder()
        try await offThePool {
            let first = try PseudoTerminal(["repl"], environment: ["XDG_STATE_HOME": state])
            try first.waitFor("sandbox> ")
            try first.enter("answer = 6 * 7", thenPrompt: "sandbox> ")
            try first.enter("answer", expecting: "42")
            try first.endSession()
            #expect(first.exitStatus() == 0)

            let second = try PseudoTerminal(["repl"], environment: ["XDG_STATE_HOME": state])
            try second.waitFor("sandbox> ")
            // Up twice: "answer = 6 * 7" from the first session; run it, then use what it set.
            try second.enter(Self.up + Self.up, expecting: "sandbox> answer = 6 * 7")
            try second.enter("answer + 0", expecting: "42")
            try second.enter("answer = 0", thenPrompt: "sandbox> ")
            second.type(Self.controlR + "6 *")
            try second.waitFor("(reverse-i-search)`6 *': answer = 6 * 7")
            try second.enter("", thenPrompt: "sandbox> ")
            try second.enter("answer * 10", expecting: "420")
            try second.endSession()
            #expect(second.exitStatus() == 0)

            let path = state + "/payrun/repl_history"
            let saved = try String(contentsOfFile: path, encoding: .utf8)
            #expect(saved.hasPrefix("answer = 6 * 7\nanswer\n"))
            let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(permissions == 0o600)
        }
    }

    @Test func multiLineInputContinuesAndErrorsDoNotEndTheSession() async throws {
        let state = stateFolder()
        try await repl(["repl"], state: state) { terminal in
            try terminal.enter("function twice(n)", expecting: "..> ")
            try terminal.enter("  return n * 2", expecting: "..> ")
            try terminal.enter("end", thenPrompt: "sandbox> ")
            try terminal.enter("twice(21)", expecting: "42")
            try terminal.enter("error('boom')", expecting: "stdin:1: boom")
            try terminal.enter("twice(", expecting: "..> ")
            // Ctrl-C abandons the unfinished statement, not the session.
            terminal.type(Self.controlC)
            try terminal.waitFor("^C")
            try terminal.enter("twice(2)", expecting: "4")
            terminal.type(":quit\r")
            #expect(terminal.exitStatus() == 0)
            // The whole function is one history entry.
            let saved = try String(contentsOfFile: state + "/payrun/repl_history", encoding: .utf8)
            #expect(saved.contains("function twice(n)\\n  return n * 2\\nend\n"))
        }
    }

    @Test func ctrlCStopsASlowRequestAndThePromptComesBack() async throws {
        var configuration = SimulatorServer.Configuration()
        configuration.particeep.users = 10
        configuration.faults = try FaultPlan(parsing: "GET /particeep/v1/info: latency=10s")
        let state = stateFolder()
        try await repl(["repl", "particeep"], simulators: configuration, state: state) { terminal in
            terminal.type("particeep:get(\"/info\")\r")
            Thread.sleep(forTimeInterval: 1)
            let pressed = Date()
            terminal.type(Self.controlC)
            try terminal.waitFor("interrupted", seconds: 10)
            // Back well before the 10 s the simulator holds the answer.
            #expect(Date().timeIntervalSince(pressed) < 5)
            try terminal.enter("1 + 1", expecting: "2")
            try terminal.endSession()
            #expect(terminal.exitStatus() == 0)
        }
    }

    @Test func aSecretNeverShowsHoweverItIsAskedFor() async throws {
        let secret = "ptp-secret-5f1e9a3c77"
        let key = "ptp-key-80d4c1b2"
        var configuration = SimulatorServer.Configuration()
        configuration.particeep.users = 10
        configuration.particeep.apiKey = key
        configuration.particeep.apiSecret = secret
        let state = stateFolder()
        let credentials = ["PAYRUN_SANDBOX_PARTICEEP_API_KEY": key, "PAYRUN_SANDBOX_PARTICEEP_API_SECRET": secret]
        try await repl(["repl", "particeep"], simulators: configuration, state: state, environment: credentials) { terminal in
            // 1. The credential itself, as a value and as text.
            try terminal.enter("payrun.credential('particeep.api_secret')", expecting: "payrun.credential")
            try terminal.enter("tostring(payrun.credential('particeep.api_secret'))", expecting: "credential particeep.api_secret (sandbox)")
            // 2. Serialised.
            try terminal.enter("payrun.json.encode({payrun.credential('particeep.api_secret')})", expecting: "has no JSON form")
            // 3. The signed request's headers, through :last and through sign.
            try terminal.enter("particeep:get('/info')", expecting: "payrun sandbox")
            try terminal.enter(":last", expecting: "Authorization: [redacted]")
            try terminal.enter("particeep:sign({method = 'GET', path = '/info'})", expecting: "[redacted: added by payrun when sent]")
            // 4. What is configured, through :env.
            try terminal.enter(":env", expecting: "particeep.api_secret            set")
            // 5. Built from pieces typed separately: the result is still redacted.
            try terminal.enter("'ptp-secret-' .. '5f1e9a3c77'", expecting: "[redacted particeep.api_secret]")
            try terminal.endSession()
            #expect(terminal.exitStatus() == 0)
            // The history was written (so the check below means something), lines with no secret in it kept.
            let history = try String(contentsOfFile: state + "/payrun/repl_history", encoding: .utf8)
            #expect(history.contains("particeep:get('/info')"), "the history holds the session's lines: \(history)")
            for value in [secret, key] {
                #expect(!terminal.screenText.contains(value), "\(value) was shown")
                #expect(!history.contains(value), "\(value) was saved in the history")
            }
        }
    }

    @Test func pipedInputRunsLineByLineWithoutPromptsOrColours() async throws {
        let result = try await PayrunProcess.run(
            ["repl", "particeep"], input: "x = 20\nfunction add(n)\n  return x + n\nend\nadd(22)\nnope\n'after'\n:quit\n'never'\n")
        #expect(result.standardOutput == "42\n\"after\"\n")
        #expect(result.standardError == "stdin:1: undefined global 'nope' (assign it at the top level of the script first, or run with --no-strict)\n")
        #expect(result.status == 1)
        let unfinished = try await PayrunProcess.run(["repl"], input: "t = {\n")
        #expect(unfinished.standardError.contains("the input ended inside an unfinished statement"))
        #expect(unfinished.status == 1)
    }
}
