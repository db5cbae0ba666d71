// The time limit stops runaway scripts wherever they hide, and pcall cannot swallow it. Every
// loop here is bounded, so a broken limit fails the test instead of hanging it.
import LuaKit
import PayrunRuntime
import Testing

@Suite struct TimeLimitTests {
    /// Runs `code` with a 0.2 s limit; returns the status and what went to stderr.
    func run(_ code: String) -> (PayrunExitStatus, String) {
        let output = CapturedOutput()
        // The hint is the host's: payrun run's, here, to show it comes after the message.
        let runner = ScriptRunner(output: output, sandbox: SandboxOptions(timeLimit: 0.2), hints: ScriptHints(timeLimit: "raise it with --timeout"))
        let status = runner.run(ScriptInvocation(chunks: [code]))
        return (status, output.standardError)
    }

    /// About 3e8 steps: seconds of work, far past the limit, but finite.
    static let spin = "for _ = 1, 3e8 do end"

    @Test(arguments: [
        spin,
                "for _ = 1, 1e6 do pcall(function() \(spin) end) end",
        "xpcall(function() \(spin) end, function() \(spin) end)",
        "for _ = 1, 1e6 do xpcall(function() \(spin) end, function() \(spin) end) end",
        "coroutine.wrap(function() \(spin) end)()",
        "local co = coroutine.create(function() \(spin) end); for _ = 1, 1e6 do coroutine.resume(co) end",
        "local co = coroutine.wrap(function() coroutine.yield() \(spin) end); co(); co()",
        "do local x <close> = setmetatable({}, {__close = function() \(spin) end}) end",
        // A coroutine's pending __close runs on the coroutine's own thread when it is closed, or
        // when a wrapped one fails: its hook was not the one a stop armed.
        "local c = coroutine.create(function() local x <close> = setmetatable({}, {__close = function() \(spin) end}); coroutine.yield() end); coroutine.resume(c); coroutine.close(c)",
        "pcall(coroutine.wrap(function() local x <close> = setmetatable({}, {__close = function() \(spin) end}); error('die') end))",
        "local c = coroutine.create(function() local x <close> = setmetatable({}, {__close = function() for _ = 1, 1e6 do pcall(function() \(spin) end) end end}); coroutine.yield() end); coroutine.resume(c); print(coroutine.close(c)); \(spin)",
        "for _ = 1, 1e6 do local ok = pcall(error, 'x') end \(spin)",
        "for _ = 1, 1e5 do select(2, pcall(string.rep, 'x', 1e4)) end \(spin)",
        // Pattern bombs run inside C functions, where no hook fires: the matcher checks itself.
        "return ('a'):rep(120):find('.-.-.-.-b')",
        "return select(2, pcall(string.match, ('a'):rep(120), '.-.-.-.-b'))",
        "for _ in ('a'):rep(120):gmatch('.-.-.-.-b') do end",
        "return ('a'):rep(120):gsub('.-.-.-.-b', 'x')",
    ])
    func aRunawayScriptIsStopped(_ code: String) {
        let (status, message) = run(code)
        #expect(status == .timeLimit)
        #expect(message.hasPrefix("payrun: script stopped: it ran past its time limit of 0.2 s (raise it with --timeout)"))
    }

    /// A memory error raised at the script's next instruction (to name its line) comes from a
    /// hook, and handlers run with hooks off for it: xpcall's handler is not called for it, as
    /// Lua calls none for its own memory errors, so it cannot run past the time limit.
    @Test func aMemoryErrorDoesNotRunXpcallsHandlerUnstopped() {
        let output = CapturedOutput()
        // Time enough to fill 8 MB on a loaded machine (0.2 s was not, beside this suite's other
        // runaway scripts); a handler that ran would still print "handled", seconds later.
        let runner = ScriptRunner(output: output, sandbox: SandboxOptions(memoryLimit: 8 << 20, timeLimit: 2))
        let status = runner.run(ScriptInvocation(chunks: ["""
            local ok, e = xpcall(function()
              local t = {}
              for i = 1, 1e9 do t[i] = {i} end
            end, function(m) \(Self.spin) return "handled" end)
            assert(not ok)
            error(e, 0)
            """]))
        #expect(status == .scriptFailed)
        #expect(output.standardError.contains(":3: not enough memory") && !output.standardError.contains("handled"), "\(output.standardError)")
    }

    @Test func aScriptWithinItsLimitIsUntouched() {
        let (status, message) = run("local n = 0; for i = 1, 1000 do n = n + i end; assert(n == 500500)")
        #expect(status == .success)
        #expect(message.isEmpty)
    }

    @Test func aStopRequestReachesTheStateAndCanBeCleared() throws {
        let state = try ScriptRunner(output: CapturedOutput()).makeState()
        state.requestStop(.interrupted)
        #expect(throws: LuaError.self) { try state.run("local n = 0 for i = 1, 10 do n = n + i end") }
        #expect(state.stopReason == .interrupted)
        state.clearStop()
        #expect(state.stopReason == nil)
        #expect(try state.run("return 1 + 1") == [2])
    }
}
