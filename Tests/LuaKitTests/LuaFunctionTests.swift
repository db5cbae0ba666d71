// Swift functions bound to Lua: arguments, results, and errors in Lua's own forms.
import LuaKit
import Testing

#if canImport(Glibc)
import Glibc
#endif

struct PaymentDeclined: Error, CustomStringConvertible {
    var description: String { "payment declined by the bank" }
}

@Suite struct LuaFunctionTests {
    let state: LuaState

    init() throws {
        state = try LuaState()
        try state.open([.base, .coroutine, .string, .table])
        state.setGlobal("greet") { call in
            let name = try call.string(at: 1)
            let times = try call.optionalInteger(at: 2) ?? 1
            call.stack.push(String(repeating: "hello \(name) ", count: times))
            return 1
        }
        state.setGlobal("decline") { _ in throw PaymentDeclined() }
    }

    /// The error message `code` raises.
    func failure(of code: String) throws -> String {
        let results = try state.run("local ok, err = pcall(function() \(code) end); return ok, err", chunkName: "=test")
        #expect(results.first == false)
        return results.last?.text ?? "(not a string)"
    }

    @Test func argumentsAndResults() throws {
        #expect(try state.run("return greet('ada', 2)") == ["hello ada hello ada "])
        #expect(try state.run("return greet(42)") == ["hello 42 "], "numbers convert as luaL_checkstring does")
    }

    @Test func argumentErrorsHaveLuasStandardForm() throws {
        #expect(try failure(of: "greet()") == "test:1: bad argument #1 to 'greet' (string expected, got no value)")
        #expect(try failure(of: "greet(nil)") == "test:1: bad argument #1 to 'greet' (string expected, got nil)")
        #expect(try failure(of: "greet('x', 1.5)") == "test:1: bad argument #2 to 'greet' (number has no integer representation)")
        #expect(try failure(of: "greet('x', {})") == "test:1: bad argument #2 to 'greet' (number expected, got table)")
    }

    /// A message quoting a long value keeps its reason at the end (it was cut at 255 bytes),
    /// and one quoting a NUL goes on past it.
    @Test func aLongArgumentErrorIsRaisedWhole() throws {
        state.setGlobal("named") { call in
            let name = try call.string(at: 1)
            throw LuaArgumentError.invalid(at: 1, "'\(name)' is not a name: use letters and digits")
        }
        let long = String(repeating: "x", count: 400)
        #expect(try failure(of: "named(('x'):rep(400))") == "test:1: bad argument #1 to 'named' ('\(long)' is not a name: use letters and digits)")
        #expect(try failure(of: #"named("a\0b")"#) == #"test:1: bad argument #1 to 'named' ('a\0b' is not a name: use letters and digits)"#)
        // In a method, the number still skips self.
        state.register(library: "names", [LuaRegistration("check") { _ in throw LuaArgumentError.invalid(at: 2, String(repeating: "y", count: 300)) }])
        #expect(try failure(of: "names:check(1)") == "test:1: bad argument #1 to 'check' (\(String(repeating: "y", count: 300)))")
    }

    @Test func methodArgumentErrorsSkipSelf() throws {
        state.register(library: "account", [
            LuaRegistration("deposit") { call in
                try call.check(.table, at: 1)
                call.stack.push(try call.integer(at: 2))
                return 1
            },
        ])
        #expect(try failure(of: "account:deposit('ten')") == "test:1: bad argument #1 to 'deposit' (number expected, got string)")
        #expect(try failure(of: "account.deposit(5)") == "test:1: bad argument #1 to 'deposit' (table expected, got number)")
        #expect(try failure(of: "local d = account.deposit; d(nil, 1)") == "test:1: bad argument #1 to 'd' (table expected, got nil)")
    }

    @Test func aSwiftErrorIsRaisedWithTheCallersPosition() throws {
        #expect(try failure(of: "\n decline()") == "test:2: payment declined by the bank")
    }

    @Test func aRaisableErrorRaisesItsOwnValue() throws {
        struct Coded: LuaRaisable {
            func push(onto stack: LuaStack) {
                try! stack.push(["code": "E42", "retryable": false])
            }
        }
        state.setGlobal("coded") { _ in throw Coded() }
        #expect(try state.run("local ok, e = pcall(coded); return e.code, e.retryable") == ["E42", false])
    }

    @Test func aLuaErrorRethrownBySwiftIsTheSameValue() throws {
        state.setGlobal("pass") { call in
            .values(try call.callFunction(at: 1, argumentsFrom: 2))
        }
        let results = try state.run("""
            local problem = { code = 7 }
            local ok, e = pcall(pass, function() error(problem) end)
            return ok, e == problem, e.code
            """)
        #expect(results == [false, true, 7])
    }

    /// Runs in a child process of its own (an exit test), so other tests running in parallel
    /// cannot move the resident size it measures.
    @Test func aThrowingSwiftFunctionCalledInPcallDoesNotGrowMemory() async throws {
        let result = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            let suite = try LuaFunctionTests()
            let loop = try suite.state.load("""
                local n = ...
                local failures = 0
                for _ = 1, n do
                  if not pcall(decline) then failures = failures + 1 end
                  if not pcall(greet) then failures = failures + 1 end
                end
                collectgarbage()
                return failures
                """, chunkName: "=loop")
            _ = try suite.state.call(loop, [10_000])  // warm up allocators and caches
            let residentBefore = try residentBytes()
            let luaBefore = suite.state.memoryInUse
            let failures = try suite.state.call(loop, [100_000])
            let growth = try residentBytes() - residentBefore
            let luaGrowth = suite.state.memoryInUse - luaBefore
            let report = "failures \(failures), resident growth \(growth) bytes, Lua growth \(luaGrowth) bytes\n"
            _ = report.withCString { write(STDERR_FILENO, $0, strlen($0)) }
            guard failures == [200_000], growth < 4 * 1024 * 1024, luaGrowth < 64 * 1024 else { exit(1) }
        }
        if let result {
            print(String(decoding: result.standardErrorContent, as: UTF8.self))
        }
    }

    @Test func deepRecursionThroughSwiftFailsCleanly() throws {
        state.setGlobal("pass") { call in
            .values(try call.callFunction(at: 1, argumentsFrom: 2))
        }
        let message = try failure(of: "local function dive(n) return pass(dive, n + 1) end; dive(1)")
        #expect(message.contains("stack overflow"), "\(message)")
        #expect(try state.run("return 1") == [1])
    }
}

/// Resident set size from /proc/self/statm.
func residentBytes() throws -> Int {
    guard let file = fopen("/proc/self/statm", "r") else { throw PaymentDeclined() }
    defer { fclose(file) }
    var size = 0
    var resident = 0
    _ = withUnsafeMutablePointer(to: &size) { sizePointer in
        withUnsafeMutablePointer(to: &resident) { residentPointer in
            withVaList([sizePointer, residentPointer]) { vfscanf(file, "%ld %ld", $0) }
        }
    }
    return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
}
