// The engine as a Swift service uses it: one engine shared by many tasks at once, runs that are
// cancelled in whatever they are waiting for, deadlines, limits that stop one run and not the
// others, and results a host can act on. Requests go over loopback HTTP to simulators the test
// starts.
import Foundation
import Payrun
import PayrunSimulators
import PayrunTestSupport
import Synchronization
import Testing

@Suite struct PayrunEngineTests {
    /// Under Thread Sanitizer (scripts/test.sh sets this), a stop signal reaches a thread only
    /// when it next enters instrumented code, which a loop inside the system's Lua never does:
    /// the tests that stop such a loop run without it.
    static let underThreadSanitizer = ProcessInfo.processInfo.environment["PAYRUN_TSAN"] != nil

    /// An engine with the built-in providers whose sandbox is `server`.
    func engine(_ server: SimulatorServer, threads: Int = 4, host: [HostLibrary] = []) throws -> PayrunEngine {
        var configuration = PayrunEngine.Configuration.standard()
        configuration.sandboxServer = RunningSandbox(url: server.baseURL)
        configuration.luaThreads = threads
        configuration.host = host
        return PayrunEngine(configuration)
    }

    func withServer(_ body: (SimulatorServer) async throws -> Void) async throws {
        var configuration = SimulatorServer.Configuration()
        configuration.particeep.users = 20
        configuration.particeep.transactions = 50
        try await SimulatorFixture.with(configuration, body)
    }

    @Test func twoHundredRunsAtOnceFromATaskGroupAllFinish() async throws {
        try await withServer { server in
            let engine = try engine(server)
            let script = Script.text("""
                local user = payrun.provider("particeep"):get("/user/usr_" .. arg[1])
                print(user.id)
                return user.id, #user.email > 0
                """, name: "lookup.lua")
            let results = try await withThrowingTaskGroup(of: (Int, ScriptResult).self) { group in
                for index in 0..<200 {
                    group.addTask {
                        var options = RunOptions()
                        options.arguments = [String(index % 20 + 1)]
                        return (index, try await engine.run(script, options: options))
                    }
                }
                var all: [(Int, ScriptResult)] = []
                for try await result in group { all.append(result) }
                return all
            }
            await engine.shutdown()
            #expect(results.count == 200)
            for (index, result) in results {
                let id = "usr_\(index % 20 + 1)"
                #expect(result.status == .success, "run \(index): \(result.error?.description ?? "")")
                #expect(result.values == [.string(id), .bool(true)])
                #expect(result.output?.standardOutput == id + "\n")
                #expect(result.requestCount == 1)
            }
        }
    }

    /// Starts `script` in a task, lets it get to what it waits for, cancels the task, and
    /// returns what the run threw and how long after the cancellation it ended.
    func cancelled(_ script: String, engine: PayrunEngine, after wait: Duration = .milliseconds(300)) async throws -> (any Error)? {
        let task = Task { try await engine.run(.text(script, name: "waits.lua")) }
        try await Task.sleep(for: wait)
        let clock = ContinuousClock()
        let cancelledAt = clock.now
        task.cancel()
        let outcome = await task.result
        let took = clock.now - cancelledAt
        // The engine stops within about 50 ms (the benchmark measures it); a bound a loaded
        // machine cannot miss still tells a stop from a run that went on to its end.
        #expect(took < .seconds(3), "stopping took \(took)")
        if case .failure(let error) = outcome { return error }
        return nil
    }

    @Test func cancellingTheTaskStopsTheScriptWhateverItWaitsFor() async throws {
        try await withServer { server in
            // Every answer to these routes comes 30 s late.
            server.faults.replace(with: try FaultPlan(parsing: "GET /particeep/v1/user/*: latency=30s; GET /particeep/v1/transaction/search: latency=30s"))
            var slow = HostLibrary("ops")
            slow.add("wait", function: { _ in
                try await Task.sleep(for: .seconds(30))
                return .null
            })
            let engine = try engine(server, host: [slow])
            for script in [
                "payrun.provider('particeep'):get('/user/usr_1')",                       // a request
                "payrun.sleep(30)",                                                     // a sleep
                "ops.wait()",                                                           // the host
                "payrun.parallel({1, 2, 3}, function(n) payrun.provider('particeep'):get('/user/usr_' .. n) end)",
                "for _ in payrun.provider('particeep'):paginate('/transaction/search') do end",  // pages
            ] {
                let error = try await cancelled(script, engine: engine)
                #expect(error is CancellationError, "\(script) → \(String(describing: error))")
            }
            // The engine goes on: the next run is not stopped by the last one's cancellation.
            let after = try await engine.run(.text("return 6 * 7", name: "after.lua"))
            #expect(after.values == [.integer(42)])
            await engine.shutdown()
        }
    }

    /// Each `p:paginate` loop waits for its pages on a reactor of its own, which holds a pipe: a
    /// list paged to its end lets go of it then, not when the collector comes by, so a script
    /// that pages a list for each of many users does not run out of descriptors.
    @Test func listsPagedToTheirEndHoldNoDescriptors() async throws {
        try await withServer { server in
            var host = HostLibrary("ops")
            host.add("descriptors", function: { _ in
                .integer((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1)
            })
            let engine = try engine(server, host: [host])
            let result = try await engine.run(.text("""
                local p = payrun.provider("particeep")
                local before, items, kept = ops.descriptors(), 0, {}
                for i = 1, 600 do
                  local pages = p:paginate("/transaction/search", { issuer_id = "nobody" })
                  for _ in pages do items = items + 1 end
                  kept[i] = pages  -- the loop's iterator kept, so the collector cannot take its cursor
                end
                return items, ops.descriptors() - before
                """, name: "many-lists.lua"))
            #expect(result.values.first == .integer(0))
            // Other tests open and close descriptors meanwhile; 600 reactors kept would be 1,200.
            for grown in result.values.dropFirst() {
                if case .integer(let grown) = grown { #expect(grown < 300, "\(grown) descriptors more") }
            }
            await engine.shutdown()
        }
    }

    @Test(.disabled(if: underThreadSanitizer, "a signal cannot reach a loop in uninstrumented Lua under TSan"))
    func cancellingTheTaskStopsALoop() async throws {
        try await withServer { server in
            let engine = try engine(server)
            let error = try await cancelled("local n = 0\nwhile true do n = n + 1 end", engine: engine)
            #expect(error is CancellationError, "\(String(describing: error))")
            await engine.shutdown()
        }
    }

    @Test(.disabled(if: underThreadSanitizer, "a signal cannot reach a loop in uninstrumented Lua under TSan"))
    func aDeadlineStopsALoopWithATimeLimitError() async throws {
        try await withServer { server in
            let engine = try engine(server)
            var options = RunOptions()
            options.deadline = .now + .milliseconds(200)
            let result = try await engine.run(.text("local n = 0\nwhile true do n = n + 1 end", name: "spin.lua"), options: options)
            #expect(result.status == .timeLimit)
            #expect(result.error?.kind == .timeLimit)
            #expect(result.error?.message == "script stopped: it ran past its deadline")
            await engine.shutdown()
        }
    }

    @Test func aDeadlineStopsAWaitWithATimeLimitError() async throws {
        try await withServer { server in
            let engine = try engine(server)
            var options = RunOptions()
            options.deadline = .now + .milliseconds(200)
            let result = try await engine.run(.text("payrun.sleep(30)", name: "sleepy.lua"), options: options)
            #expect(result.status == .timeLimit && result.error?.kind == .timeLimit, "\(String(describing: result.error))")
            await engine.shutdown()
        }
    }

    @Test func aRunPastItsMemoryLimitDoesNotDisturbTheOthers() async throws {
        try await withServer { server in
            let engine = try engine(server)
            let statuses = try await withThrowingTaskGroup(of: (Bool, ScriptResult).self) { group in
                group.addTask {
                    var options = RunOptions()
                    options.sandbox = SandboxOptions(memoryLimit: 16 << 20)
                    return (true, try await engine.run(.text("local t = {} for i = 1, 1e9 do t[i] = {i} end", name: "hog.lua"), options: options))
                }
                for _ in 0..<10 {
                    group.addTask {
                        (false, try await engine.run(.text("local t = {} for i = 1, 1e5 do t[i] = i end return #t", name: "fine.lua")))
                    }
                }
                var all: [(Bool, ScriptResult)] = []
                for try await result in group { all.append(result) }
                return all
            }
            await engine.shutdown()
            for (isHog, result) in statuses {
                if isHog {
                    #expect(result.error?.kind == .memory, "\(String(describing: result.error))")
                    #expect(result.error?.message.contains("memory limit of 16 MiB") == true)
                    // Where it passed the limit, as any other error says.
                    #expect(result.error?.message.contains("hog.lua:1: not enough memory") == true, "\(String(describing: result.error))")
                    #expect(result.error?.traceback?.contains("hog.lua:1: in main chunk") == true, "\(String(describing: result.error))")
                } else {
                    #expect(result.values == [.integer(100_000)], "\(String(describing: result.error))")
                }
            }
        }
    }

    @Test func aFailureSaysWhereAndWhatTheProviderSaid() async throws {
        try await withServer { server in
            let engine = try engine(server)
            let result = try await engine.run(.text("""
                local p = payrun.provider("particeep")
                local function find(id)
                  return p:get("/user/" .. id)
                end
                return find("nobody")
                """, name: "payout.lua"))
            #expect(result.status == .scriptFailed)
            let error = try #require(result.error)
            #expect(error.kind == .runtime)
            #expect(error.chunk == "payout.lua" && error.line == 3, "\(error.message)")
            #expect(error.traceback?.contains("payout.lua:3: in") == true, "\(error.traceback ?? "")")
            #expect(error.provider == ProviderFailure(provider: "particeep", status: 404, code: "error.user.none",
                                                      message: "no user with id nobody", requestID: nil, retryable: false))
            let syntax = try await engine.run(.text("local x = \nif", name: "broken.lua"))
            #expect(syntax.error?.kind == .syntax && syntax.error?.chunk == "broken.lua" && syntax.error?.line == 2)
            let unrepresentable = try await engine.run(.text("return 1, print", name: "odd.lua"))
            #expect(unrepresentable.status == .success && unrepresentable.values.isEmpty)
            #expect(unrepresentable.valuesProblem == "result 2 cannot be JSON: a function has no JSON form")
            let returned = try await engine.run(.text(
                "return { amount = payrun.decimal.new('12.50'), tags = payrun.json.array(), none = payrun.json.null }", name: "values.lua"))
            #expect(returned.values == [.object(["amount": .number(12.5), "tags": .array([]), "none": .null])])
            await engine.shutdown()
        }
    }

    @Test func hostLibrariesAreReadOnlyAndRaiseInLuasForm() async throws {
        try await withServer { server in
            let approvals = Mutex<[JSONValue]>([])
            var ops = HostLibrary("ops")
            ops.add("region", value: .string("eu-west"))
            ops.add("approve", function: { arguments in
                guard case .object(let payout)? = arguments.first, payout["amount"] != nil else {
                    throw HostArgumentError(position: 1, "a payout with an amount expected")
                }
                approvals.withLock { $0.append(.object(payout)) }
                return .bool(payout["amount"]?.integer ?? 0 < 1000)
            })
            let engine = try engine(server, host: [ops])
            let result = try await engine.run(.text("""
                print(ops.region, ops.approve({ amount = 500 }), ops.approve({ amount = 5000 }))
                print(pcall(function() return ops.approve("x") end))
                print(pcall(function() ops.region = "us" end))
                print(pcall(function() return ops.approve({ amount = 1, fn = print }) end))
                """, name: "host.lua"))
            #expect(result.status == .success, "\(String(describing: result.error))")
            let lines = result.output?.standardOutput.split(separator: "\n").map(String.init) ?? []
            #expect(lines.count == 4)
            #expect(lines.first == "eu-west\ttrue\tfalse")
            #expect(lines.dropFirst().first == "false\thost.lua:2: bad argument #1 to 'approve' (a payout with an amount expected)")
            #expect(lines.dropFirst(2).first?.contains("cannot change ops.region") == true)
            #expect(lines.last?.contains("bad argument #1 to 'approve'") == true && lines.last?.contains("has no JSON form") == true)
            #expect(approvals.withLock { $0.count } == 2)
            // A library cannot take a global scripts already have.
            var clash = HostLibrary("payrun")
            clash.add("x", value: .null)
            var options = RunOptions()
            options.host = [clash]
            let refused = try await engine.run(.text("return 1", name: "clash.lua"), options: options)
            #expect(refused.error?.message.contains("cannot be called 'payrun'") == true)
            await engine.shutdown()
        }
    }

    @Test func shutdownWaitsForRunsUnderWayAndRefusesNewOnes() async throws {
        try await withServer { server in
            // The shutdown comes once the run has begun (it calls `ops.begun`), not after a fixed
            // wait a loaded machine may outlast before the run is even under way.
            let (begun, signal) = AsyncStream.makeStream(of: Void.self)
            var ops = HostLibrary("ops")
            ops.add("begun", function: { _ in
                signal.yield()
                return .null
            })
            let engine = try engine(server, host: [ops])
            let running = Task { try await engine.run(.text("ops.begun() payrun.sleep(0.3) return 'done'", name: "late.lua")) }
            var waiting = begun.makeAsyncIterator()
            _ = await waiting.next()
            await engine.shutdown()
            #expect(try await running.value.values == [.string("done")], "the run under way finished")
            await #expect(throws: EngineShutDown.self) { try await engine.run(.text("return 1", name: "after.lua")) }
        }
    }

    @Test func capturedOutputHasALimitAndReservedNamesAreRefused() async throws {
        try await withServer { server in
            let engine = try engine(server)
            var options = RunOptions()
            options.capturedOutputLimit = 1000
            let chatty = try await engine.run(.text("for i = 1, 10000 do print(i) end return 'finished'", name: "chatty.lua"), options: options)
            #expect(chatty.values == [.string("finished")])
            #expect(chatty.output?.truncated == true && chatty.output?.standardOutput.utf8.count == 1000)
            var require = HostLibrary("require")
            require.add("x", value: .null)
            options.host = [require]
            let refused = try await engine.run(.text("return 1", name: "clash.lua"), options: options)
            #expect(refused.error?.message.contains("cannot be called 'require': payrun uses that global") == true)
            await engine.shutdown()
        }
    }

    @Test func outputCanStreamAndSecretsNeverShow() async throws {
        try await withServer { server in
            var store = MemoryCredentialStore()
            store.set(Secret("ledger-secret-5e8f1c"), for: CredentialName(provider: "ledger", field: "token"), in: .sandbox)
            var configuration = PayrunEngine.Configuration.standard(credentials: store)
            configuration.sandboxServer = RunningSandbox(url: server.baseURL)
            let engine = PayrunEngine(configuration)
            let stream = LineCollector()
            var options = RunOptions()
            options.output = .streamed(stream)
            let result = try await engine.run(.text("""
                print("one")
                payrun.stderr:write("two\\n")
                error("leaked ledger-secret-5e8f1c")
                """, name: "stream.lua"), options: options)
            #expect(result.output == nil)
            #expect(stream.text == "one\ntwo\n")
            #expect(result.error?.message == "stream.lua:3: leaked [redacted ledger.token]")
            await engine.shutdown()
        }
    }
}

/// A streamed destination that keeps what arrives.
final class LineCollector: ScriptOutput, Sendable {
    private let collected = Mutex<[UInt8]>([])

    func write(_ bytes: UnsafeRawBufferPointer, to stream: ScriptStream) {
        collected.withLock { $0.append(contentsOf: bytes) }
    }

    var text: String { String(decoding: collected.withLock { $0 }, as: UTF8.self) }
}
