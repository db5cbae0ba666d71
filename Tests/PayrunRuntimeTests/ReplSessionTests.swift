// The REPL's evaluation as `lua`'s prompt behaves: values printed, statements run, unfinished
// input continued, errors and limits ending the entry but never the session; its commands and
// completion. (At a real terminal: PayrunCLITests/ReplTerminalTests.)
import Foundation
import LuaKit
import PayrunRuntime
import PayrunTestSupport
import Testing

@Suite struct ReplSessionTests {
    let output = CapturedOutput()

    func session(_ sandbox: SandboxOptions = SandboxOptions()) throws -> ReplSession {
        try ReplSession(runner: ScriptRunner(output: output, sandbox: sandbox), providers: [])
    }

    /// Enters `line` and returns the outcome and what it printed on standard output.
    func enter(_ line: String, in session: ReplSession) -> (ReplSession.Outcome, String) {
        let before = output.standardOutput.count
        let outcome = session.enter(line)
        return (outcome, String(output.standardOutput.dropFirst(before)))
    }

    @Test func expressionsPrintTheirValuesAndStatementsRun() throws {
        let repl = try session()
        #expect(enter("1+1", in: repl) == (.succeeded, "2\n"))
        #expect(enter("x = {1, 2, 3, name = 'w'}", in: repl) == (.succeeded, ""))
        #expect(enter("x", in: repl) == (.succeeded, "{ 1, 2, 3, name = \"w\" }\n"))
        #expect(enter("1, nil, 'a'", in: repl) == (.succeeded, "1\tnil\t\"a\"\n"))
        #expect(enter("print('printed')", in: repl) == (.succeeded, "printed\n"))
        #expect(enter("x.name:upper()", in: repl) == (.succeeded, "\"W\"\n"))
    }

    @Test func longListsAreShortened() throws {
        let repl = try session()
        _ = repl.enter("t = {} for i = 1, 1000 do t[i] = i end")
        let (_, printed) = enter("t", in: repl)
        #expect(printed.contains("... (975 more)"))
        #expect(printed.split(separator: "\n").count < 40)
    }

    @Test func unfinishedInputContinuesOnTheNextLine() throws {
        let repl = try session()
        #expect(repl.enter("function twice(n)") == .needsMore)
        #expect(repl.isContinuing)
        #expect(repl.enter("  return n * 2") == .needsMore)
        #expect(repl.enter("end") == .succeeded)
        #expect(enter("twice(21)", in: repl) == (.succeeded, "42\n"))
        #expect(repl.enter("t = {") == .needsMore)
        repl.cancelPending()
        #expect(enter("'fresh'", in: repl) == (.succeeded, "\"fresh\"\n"))
    }

    @Test func errorsArePrintedAndTheSessionGoesOn() throws {
        let repl = try session()
        #expect(repl.enter("error('boom')") == .failed)
        #expect(output.standardError.contains("stdin:1: boom"))
        #expect(repl.enter("1 + * 2") == .failed)
        #expect(output.standardError.contains("unexpected symbol near '*'"))
        #expect(repl.enter("undefined_name") == .failed)
        #expect(output.standardError.contains("undefined global 'undefined_name'"))
        #expect(repl.enter("1 +") == .needsMore)
        #expect(enter("41", in: repl) == (.succeeded, "42\n"))
        #expect(repl.enter("f(;)") == .failed)
        #expect(enter("2 * 21", in: repl) == (.succeeded, "42\n"))
    }

    @Test func theMemoryLimitEndsTheEntryNotTheSession() throws {
        let repl = try session(SandboxOptions(memoryLimit: 16 * 1024 * 1024))
        #expect(repl.enter("big = string.rep('x', 64 * 1024 * 1024)") == .failed)
        #expect(output.standardError.contains("memory limit of 16 MiB; the session goes on"))
        #expect(repl.enter("t = {} for i = 1, 1e8 do t[i] = i end") == .failed)
        #expect(repl.enter("t = nil") == .succeeded)
        #expect(enter("#string.rep('y', 1024)", in: repl) == (.succeeded, "1024\n"))
        // `--max-memory 1K` was said as a limit of 0 MiB.
        #expect([1024, 512 << 10, 1 << 20, 300, 24 << 20].map(SandboxOptions.shown) == ["1 KiB", "512 KiB", "1 MiB", "300 bytes", "24 MiB"])
    }

    @Test func theTimeLimitEndsTheEntryNotTheSession() throws {
        let repl = try session(SandboxOptions(timeLimit: 0.3))
        #expect(repl.enter("while true do end") == .failed)
        #expect(output.standardError.contains("ran past its time limit of 0.3 s; the session goes on"))
        // The next entry has a time limit of its own, not what was left of the last one.
        #expect(enter("local s = 0 for i = 1, 1000 do s = s + i end return s", in: repl) == (.succeeded, "500500\n"))
        #expect(repl.enter("pcall(function() while true do end end)") == .failed)
    }

    @Test func aStopFromOutsideInterruptsTheEntryAndTheNextOneRuns() throws {
        let repl = try session()
        let stopper = repl.state.stopper
        let thread = Thread {
            Thread.sleep(forTimeInterval: 0.3)
            stopper.requestStop(.interrupted)
        }
        thread.start()
        #expect(repl.enter("while true do end") == .failed)
        #expect(output.standardError.hasSuffix("interrupted\n"))
        #expect(enter("'still here'", in: repl) == (.succeeded, "\"still here\"\n"))
    }

    @Test func commands() throws {
        let repl = try session()
        #expect(enter(":help", in: repl).1.contains(":load FILE"))
        #expect(repl.enter(":frobnicate") == .failed)
        #expect(output.standardError.contains("unknown command ':frobnicate'"))
        #expect(enter(":last", in: repl) == (.succeeded, "no request has been sent in this session yet\n"))
        #expect(enter(":env", in: repl).1.contains("environment: sandbox"))
        let file = TestFiles.path("repl-load") + ".lua"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "loaded = 41\nfunction bump(n) return n + 1 end\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(repl.enter(":load \(file)") == .succeeded)
        #expect(enter("bump(loaded)", in: repl) == (.succeeded, "42\n"))
        #expect(repl.enter(":load /no/such/file.lua") == .failed)
        #expect(output.standardError.contains("cannot read /no/such/file.lua"))
        // A goto label is Lua, not a command.
        #expect(repl.enter("::top::") == .succeeded)
        #expect(repl.enter(":quit") == .quit)
    }

    @Test func completionOffersGlobalsFieldsMethodsAndCommands() throws {
        let repl = try session()
        _ = repl.enter("account = {balance = 10, owner = {name = 'x'}, close = function() end}")
        #expect(repl.completions(for: "acc") == (0, ["account"]))
        #expect(repl.completions(for: "x = account.ow") == (12, ["owner"]))
        #expect(repl.completions(for: "account.owner.n") == (14, ["name"]))
        #expect(repl.completions(for: "account.") == (8, ["balance", "close(", "owner"]))
        #expect(repl.completions(for: "account:") == (8, ["close("]))
        #expect(repl.completions(for: "string.re") == (7, ["rep(", "reverse("]))
        #expect(repl.completions(for: "payrun.ins") == (7, ["inspect("]))
        #expect(repl.completions(for: "fun") == (0, ["function"]))
        #expect(repl.completions(for: ":pr") == (0, [":providers"]))
        #expect(repl.completions(for: "account.nothing.") == (16, []))
        #expect(repl.completions(for: "print('acc") == (7, []))
        #expect(repl.completions(for: "print('a', acc") == (11, ["account"]))
        #expect(repl.completions(for: "print('it\\'s', acc") == (15, ["account"]))
        #expect(repl.completions(for: "'id: '..acc") == (8, ["account"]))
    }

    @Test func completionOffersFilesAfterLoad() throws {
        let repl = try session()
        let folder = TestFiles.path("repl-files") + "/"
        try FileManager.default.createDirectory(atPath: folder + "lib", withIntermediateDirectories: true)
        try "".write(toFile: folder + "payout.lua", atomically: true, encoding: .utf8)
        try "".write(toFile: folder + ".hidden.lua", atomically: true, encoding: .utf8)
        #expect(repl.completions(for: ":load " + folder) == (6, [folder + "lib/", folder + "payout.lua"]))
        #expect(repl.completions(for: ":load " + folder + "pa") == (6, [folder + "payout.lua"]))
        #expect(repl.completions(for: ":lo") == (0, [":load "]))
    }

    @Test func completionRunsNoScriptCode() throws {
        let repl = try session()
        _ = repl.enter("hits = 0 trap = setmetatable({}, {__index = function() hits = hits + 1 end})")
        #expect(repl.completions(for: "trap.any.") == (9, []))
        #expect(repl.completions(for: "trap.") == (5, []))
        #expect(enter("hits", in: repl) == (.succeeded, "0\n"))
    }
}
