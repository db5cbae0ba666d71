// The escape battery, through `payrun run` as a user would meet it: every attempt to get out of
// the sandbox, exhaust the machine or read a secret ends in a clear error, the process exits
// normally, and nothing any of them printed contains a secret.
import Foundation
import Testing

@Suite struct EscapeBatteryTests {
    static let secrets = ["sk_live_4f9e2d7c1a", "tv-secret-8b3f60aa", "peex-pin-7731"]
    static let variables = [
        "PAYRUN_LIVE_PARTICEEP_API_SECRET": secrets[0],
        "PAYRUN_LIVE_TRADEVEST_CLIENT_SECRET": secrets[1],
        "PAYRUN_LIVE_PEEX_SECRET_KEY": secrets[2],
    ]

    /// Each attempt and a piece of the message that must explain its refusal.
    static let attempts: [(code: String, expected: String)] = [
        ("io.open('/etc/passwd')", "'io' is not available"),
        ("os.execute('id')", "field 'execute'"),
        ("print(os.getenv('PAYRUN_LIVE_PARTICEEP_API_SECRET'))", "field 'getenv'"),
        ("require('os').execute('id')", "field 'execute'"),
        ("dofile('/etc/passwd')", "'dofile' is not available"),
        ("loadfile('/etc/passwd')", "'loadfile' is not available"),
        ("package.loadlib('libc.so.6', 'system')", "'package' is not available"),
        ("require('ffi')", "module 'ffi' not found"),
        ("require('../../etc/passwd')", "module names are words"),
        ("load(string.dump(print))", "'string.dump' is not available"),
        ("load('\\27LuaT\\0', 'x', 'b')", "text chunks only"),
        ("debug.getregistry()", "'debug' is not available"),
        ("getmetatable('').__index.rep = nil", "attempt to index a nil value (field '__index')"),
        ("string.rep = print", "the built-in libraries are read-only"),
        ("setmetatable(_G, nil)", "cannot change a protected metatable"),
        ("setmetatable({}, {__gc = function() while true do end end})", "__gc finalisers are not allowed"),
        ("collectgarbage('stop')", "may only ask for \"count\""),
        ("local s = 'x' while true do s = s .. s end", "not enough memory"),
        ("local t = {} for i = 1, 1e9 do t[i] = {i} end", "not enough memory"),
        ("while true do end", "time limit"),
        ("while true do pcall(function() while true do end end) end", "time limit"),
        ("xpcall(function() while true do end end, function() while true do end end)", "time limit"),
        ("coroutine.wrap(function() while true do end end)()", "time limit"),
        ("print(('a'):rep(600):find('.-.-.-b'))", "time limit"),
        ("local function f() return f() + 1 end f()", "not enough memory"),  // the 32M cap comes before Lua's stack limit
        ("local function f() return f() + 1 end coroutine.wrap(f)()", "not enough memory"),
        ("local t = setmetatable({}, {}) getmetatable(t).__index = t print(t.x)", "'__index' chain too long"),
        ("local h = payrun.credential('particeep.api_secret') print(h .. '')", "attempt to concatenate a payrun.credential value"),
        ("local h = payrun.credential('particeep.api_secret') error(payrun.json.encode({h}))", "has no JSON form"),
        ("local h = payrun.credential('particeep.api_secret') error(tostring(h) .. ' vs sk_live_4f9e2d7c1a')", "credential particeep.api_secret (live) vs [redacted particeep.api_secret]"),
        ("local h = payrun.credential('particeep.api_secret') print(string.format('%q', tostring(h))) error(h)", "payrun: credential particeep.api_secret (live)\nstack traceback:"),
        ("local h = payrun.credential('tradevest.client_secret') for k, v in pairs(h) do end", "bad argument #1 to 'for iterator' (table expected, got payrun.credential)"),
        ("print('pasted tv-secret-8b3f60aa and peex-pin-7731') error('sk_live_4f9e2d7c1a')", "[redacted particeep.api_secret]"),
    ]

    @Test func everyAttemptIsRefusedClearlyAndNoSecretIsPrinted() async throws {
        var everything = ""
        for attempt in Self.attempts {
            // The runaway loops meet a short limit; everything else gets room, so that on a busy
            // machine running out of memory is not overtaken by the clock.
            let timeout = attempt.expected == "time limit" ? "0.5" : "10"
            let result = try await PayrunProcess.run(
                ["run", "--env", "live", "--timeout", timeout, "--max-memory", "32M", "-e", attempt.code],
                environment: Self.variables)
            everything += result.combined
            #expect([1, 3].contains(result.status), "\(attempt.code) exited with \(result.status)")
            #expect(result.standardError.contains(attempt.expected), "\(attempt.code) → \(result.standardError.split(separator: "\n").first ?? "")")
        }
        #expect(Self.attempts.count >= 30)
        for secret in Self.secrets {
            #expect(!everything.contains(secret), "\(secret) leaked")
        }
    }
}
