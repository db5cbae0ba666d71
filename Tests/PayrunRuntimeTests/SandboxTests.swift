// Attempts to get out of the sandbox: each is refused with a clear error, and the state lives on.
import LuaKit
import PayrunRuntime
import Testing

@Suite struct SandboxTests {
    let harness: ScriptHarness

    init() throws {
        harness = try ScriptHarness()
    }

    /// Runs `code` in pcall, expects it to fail with a message containing `expected`, then checks
    /// the state still works.
    func expectRefused(_ code: String, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let message = try harness.failure(of: code)
        #expect(message.contains(expected), "\(code) → \(message)", sourceLocation: sourceLocation)
        #expect(try harness.run("return 6 * 7") == [42], sourceLocation: sourceLocation)
    }

    @Test func aNilOrNaNGlobalNameIsAnErrorNotACrash() throws {
        // At a chunk's top level the strict globals' __newindex stores the global itself; Lua
        // raises for these keys, which must happen in Lua, not through Swift.
        for (code, expected) in [("_G[nil] = 1", "index is nil"), ("_G[0/0] = 1", "index is NaN")] {
            #expect {
                try harness.run(code)
            } throws: { error in
                "\(error)".contains(expected)
            }
            #expect(try harness.run("return 6 * 7") == [42], "the state goes on after \(code)")
        }
    }

    @Test func noFilesNoProcessesNoEnvironment() throws {
        try expectRefused("io.open('/etc/passwd')", "'io' is not available in payrun scripts")
        try expectRefused("return os.execute('id')", "attempt to call a nil value (field 'execute')")
        try expectRefused("return os.getenv('HOME')", "attempt to call a nil value (field 'getenv')")
        try expectRefused("os.remove('/tmp/x')", "attempt to call a nil value (field 'remove')")
        try expectRefused("os.exit(3)", "attempt to call a nil value (field 'exit')")
        try expectRefused("dofile('/etc/passwd')", "'dofile' is not available")
        try expectRefused("loadfile('/etc/passwd')", "'loadfile' is not available")
        try expectRefused("package.loadlib('/lib/x86_64-linux-gnu/libc.so.6', 'system')", "'package' is not available")
        #expect(try harness.run("return os.time() > 0, type(os.clock()), os.date('!%Y', 0)") == [true, "number", "1970"])
    }

    @Test func noBytecodeAndNoDebug() throws {
        try expectRefused("local bytes = string.dump(print)", "test:1: 'string.dump' is not available in payrun scripts: they load text chunks only, never bytecode")
        try expectRefused("return load('\\27Lua\\84\\0', 'x', 'b')", "payrun scripts load text chunks only")
        try expectRefused("return assert(load('\\27LuaT\\0\\25\\147\\r\\n\\26\\n'))()", "attempt to load a binary chunk")
        try expectRefused("return debug.getregistry()", "'debug' is not available")
        #expect(try harness.run("return load('return 1 + 1')()") == [2])
        #expect(try harness.run("local env = {x = 5}; return load('return x', 'cfg', 't', env)()") == [5])
    }

    @Test func sharedMetatablesAndLibrariesAreLocked() throws {
        #expect(try harness.run("return getmetatable('')") == ["string"])
        try expectRefused("getmetatable('').__index.upper = nil", "attempt to index a nil value")
        try expectRefused("string.rep = function() return 'evil' end", "cannot change string.rep: the built-in libraries are read-only")
        try expectRefused("setmetatable(string, nil)", "cannot change a protected metatable")
        try expectRefused("setmetatable(_G, nil)", "cannot change a protected metatable")
        try expectRefused("payrun.json = {}", "cannot change payrun.json")
        try expectRefused("payrun.json.decode = print", "cannot change payrun.json.decode")
        // rawset, which skips __newindex, is refused too: a module could otherwise swap
        // string.format or payrun.decimal for the rest of the script.
        try expectRefused("rawset(string, 'format', function() return 'evil' end)", "cannot change string.format: the built-in libraries are read-only")
        try expectRefused("rawset(payrun, 'json', 1)", "cannot change payrun.json: the built-in libraries are read-only")
        try expectRefused("rawset(payrun.decimal, 'new', print)", "cannot change payrun.decimal.new: the built-in libraries are read-only")
        #expect(try harness.run("local t = {}; return rawset(t, 'a', 1) == t, t.a, string.format('%d', 1)") == [true, 1, "1"])
        #expect(try harness.failure(of: "rawset(1, 2, 3)") == "test:1: bad argument #1 to 'rawset' (table expected, got number)")
        #expect(try harness.run("local n = 0; for _ in pairs(math) do n = n + 1 end; return n > 20") == [true])
    }

    @Test func noFinalisersAndNoHandsOnTheCollector() throws {
        try expectRefused("setmetatable({}, {__gc = function() while true do end end})", "__gc finalisers are not allowed")
        try expectRefused("collectgarbage('stop')", "payrun scripts may only ask for \"count\"")
        try expectRefused("collectgarbage()", "payrun scripts may only ask for \"count\"")
        #expect(try harness.run("return math.type(collectgarbage('count'))") == ["float"])
    }

    @Test func strictGlobalsCatchTyposAndMissingLocals() throws {
        try expectRefused("local pay = { sign = function() end }; pay.sing()", "attempt to call a nil value (field 'sing')")
        try expectRefused("return payrun.jsno", "payrun has no field 'jsno'")
        try expectRefused("return undefined_total + 1", "undefined global 'undefined_total'")
        try expectRefused("local function f() leaked = 1 end; f()", "assignment to undeclared global 'leaked' inside a function")
        #expect(try harness.run("declared = nil; return declared") == [.nil])
        #expect(try harness.run("top_level = 5; local function f() top_level = top_level + 1 end; f(); return top_level") == [6])
    }

    @Test func strictGlobalsCanBeSwitchedOff() throws {
        let lax = try ScriptHarness(sandbox: SandboxOptions(strictGlobals: false))
        #expect(try lax.run("local function f() leaked = 1 end; f(); return leaked, never_set") == [1, .nil])
        // payrun's own tables too, as the docs say: a script may test for a field it may not have.
        #expect(try lax.run("return payrun.jsno, payrun.json.nothing, payrun.json ~= nil") == [.nil, .nil, true])
        // Still read-only.
        #expect(try lax.failure(of: "payrun.json = {}").contains("cannot change payrun.json"))
    }

    @Test func inspectShowsWhatALockedLibraryHolds() throws {
        // The read-only proxy holds nothing itself: it showed as `{}`.
        let shown = try harness.run("return payrun.inspect(payrun.decimal.rounding), payrun.inspect(payrun, { depth = 1 })")
        guard case .string(let roundingText)? = shown.first, case .string(let libraryText)? = shown.last,
              let rounding = roundingText.text, let library = libraryText.text else {
            Issue.record("\(shown)")
            return
        }
        #expect(rounding.contains("half_even") && rounding != "{}", "\(rounding)")
        #expect(library.contains("json = {...}") && library.contains("inspect = <function"), "\(library)")
    }

    @Test func memoryBombsEndInACatchableError() throws {
        let capped = try ScriptHarness(sandbox: SandboxOptions(memoryLimit: 32 * 1024 * 1024))
        for bomb in ["local s = 'x'; while true do s = s .. s end",
                     "local t = {}; for i = 1, 1e9 do t[i] = i end",
                     "local t = {}; for i = 1, 1e8 do t[#t + 1] = {i} end",
                     "return string.rep('x', 1e9)",
                     "return payrun.json.decode('[' .. string.rep('1,', 1e7) .. '1]')"] {
            let message = try capped.failure(of: bomb)
            #expect(message.contains("not enough memory"), "\(bomb) → \(message)")
            #expect(try capped.run("return 1") == [1])
        }
        // A value payrun builds for the script (here 24 MB of JSON) may pass the cap while it is
        // made, and the script is told at its next instruction, with its line: it ran to its end.
        let built = try capped.failure(of: "local s = string.rep('x', 12e6)\nlocal n = #payrun.json.encode({s, s})\nreturn n")
        #expect(built.contains(":2: not enough memory"), "\(built)")
        #expect(try capped.run("return #payrun.json.encode({string.rep('x', 1e6)})") == [1_000_004], "under the cap it goes on")
    }

    @Test func deepRecursionAndMetamethodChainsEndInErrors() throws {
        try expectRefused("local function f() return 1 + f() end; return f()", "stack overflow")
        try expectRefused("local t = setmetatable({}, {}); getmetatable(t).__index = function(s, k) return s[k] end; return t.x", "stack overflow")
        try expectRefused("""
            local t = {}
            for i = 1, 3000 do t = setmetatable({}, {__index = t}) end
            return t.missing
            """, "chain too long")
        try expectRefused("local t = setmetatable({}, {__tostring = function(s) return tostring(s) end}); return tostring(t)", "stack overflow")
    }

    @Test func aLongChainOfCoroutineClosesIsAnErrorNotACrash() throws {
        let results = try harness.run("""
            local coro = false
            for i = 1, 5000 do
              local previous = coro
              coro = coroutine.create(function()
                local guard <close> = setmetatable({}, {__close = function()
                  if previous then assert(coroutine.close(previous)) end
                end})
                coroutine.yield()
              end)
              assert(coroutine.resume(coro))
            end
            local ok, message = coroutine.close(coro)
            return ok, message:find("C stack overflow (coroutine.close nested more than 100 deep)", 1, true) ~= nil
            """)
        #expect(results == [false, true])
        #expect(try harness.run("local co = coroutine.create(coroutine.yield); coroutine.resume(co); return coroutine.close(co)") == [true])
    }
}
