// payrun.provider from Lua: what a script sees of requests, pages, errors and retries, against
// the simulators started in process as `payrun run` starts them; and a host's own provider.
import Foundation
import PayrunFormats
import PayrunProviders
import PayrunRuntime
import PayrunSimulators
import PayrunTestSupport
import Testing

@Suite struct ProviderScriptTests {
    /// Runs `code` in a runner whose sandbox environment is `server`; returns status and output.
    /// The runner waits for responses on its thread, so it gets a thread of its own, as it has in
    /// `payrun run`, rather than one of the few the server and the requests run on.
    func run(_ code: String, server: SimulatorServer, registry: ProviderRegistry = BuiltInProviders.registry,
             environment: PayrunEnvironment = .sandbox, store: MemoryCredentialStore = MemoryCredentialStore(),
             verbose: Bool = false, dryRun: Bool = false, settings: HTTPSettings = HTTPSettings()) async -> (PayrunExitStatus, CapturedOutput) {
        await withCheckedContinuation { continuation in
            Thread {
                continuation.resume(returning: runHere(
                    code, server: server, registry: registry, environment: environment, store: store, verbose: verbose, dryRun: dryRun,
                    settings: settings))
            }.start()
        }
    }

    private func runHere(_ code: String, server: SimulatorServer, registry: ProviderRegistry,
                         environment: PayrunEnvironment, store: MemoryCredentialStore, verbose: Bool, dryRun: Bool,
                         settings: HTTPSettings) -> (PayrunExitStatus, CapturedOutput) {
        let output = CapturedOutput()
        var policy = RetryPolicy()
        policy.firstDelay = .milliseconds(10)
        let baseURL = server.baseURL
        let session = ProviderSession(
            registry: registry, environment: environment, credentials: store, settings: settings, retryPolicy: policy,
            verbose: verbose, dryRun: dryRun, startSandbox: { baseURL })
        let runner = ScriptRunner(output: output, credentials: store, environment: environment, providers: session)
        let status = runner.run(ScriptInvocation(chunks: [code], scriptPath: nil, arguments: []))
        return (status, output)
    }

    func withServer(_ body: (SimulatorServer) async throws -> Void) async throws {
        var configuration = SimulatorServer.Configuration()
        configuration.particeep.users = 30
        configuration.particeep.transactions = 321
        try await SimulatorFixture.with(configuration, body)
    }

    @Test func aScriptReadsWritesAndPages() async throws {
        try await withServer { server in
            let (status, output) = await run("""
                local p = payrun.provider("particeep")
                local user, response = p:get("/user/usr_3")
                print(user.id, response.status, response.attempts, response.headers["meta-version"])
                local t = p:put("/transaction", { amount = 990, currency = "EUR", custom = { tags = payrun.json.array() } })
                print(t.status, payrun.json.encode(t.custom))
                local updated = p:post("/transaction/" .. t.id, { status = "SUCCEEDED" })
                print(updated.status)
                local n = 0
                for item in p:paginate("/transaction/search", nil, { page_size = 50 }) do n = n + 1 end
                local first = p:get("/transaction/search", { limit = 1 })
                print(n, first.total_size, #first.data)
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            #expect(output.standardOutput == "usr_3\t200\t1\t1\nPENDING\t{\"tags\":[]}\nSUCCEEDED\n322\t322\t1\n")
        }
    }

    @Test func numbersAFloatCannotHoldArriveAsDecimals() async throws {
        // Issue 20: money never loses digits on its way back from a provider, whether the answer
        // is one reply or a page (the two ways answers reach Lua).
        try await withServer { server in
            let (status, output) = await run("""
                local p = payrun.provider("particeep")
                local t = p:put("/transaction", { amount = 990, currency = "EUR",
                  custom = { ref = payrun.decimal.new("12345678901234567.89"), big = payrun.decimal.new("123456789012345678901234567890"), f = 0.1 } })
                local again = p:get("/transaction/" .. t.id)
                print(payrun.decimal.isdecimal(again.custom.ref), tostring(again.custom.ref), tostring(again.custom.big), math.type(again.custom.f))
                for item in p:paginate("/transaction/search", nil, { page_size = 100 }) do
                  if item.id == t.id then print(payrun.decimal.isdecimal(item.custom.ref), tostring(item.custom.ref), tostring(item.custom.big)) end
                end
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            #expect(output.standardOutput == "true\t12345678901234567.89\t123456789012345678901234567890\tfloat\n"
                + "true\t12345678901234567.89\t123456789012345678901234567890\n")
        }
    }

    @Test func errorsAreStructuredValuesAndTryrequestReturnsThem() async throws {
        try await withServer { server in
            let (status, output) = await run("""
                local p = payrun.provider("particeep")
                local ok, e = pcall(p.get, p, "/user/nobody")
                print(ok, type(e), e.provider, e.status, e.code, e.retryable, tostring(e))
                local none, err = p:tryrequest{ method = "PUT", path = "/transaction", body = { amount = -1, currency = "EUR" } }
                print(none, err.status, err.code)
                print(pcall(payrun.provider, "stripe"))
                print(pcall(payrun.provider, "Particep"))
                p:get("/transaction/txn_0")
                """, server: server)
            #expect(status == .scriptFailed)
            let lines = output.standardOutput.split(separator: "\n").map(String.init)
            #expect(lines[0] == "false\ttable\tparticeep\t404\terror.user.none\tfalse\tparticeep: 404 error.user.none: no user with id nobody")
            #expect(lines[1] == "nil\t400\terror.transaction.amount.invalid")
            #expect(lines[2].hasPrefix("false\tbad argument #1 to 'payrun.provider' (no provider 'stripe'; the providers are capitalist, particeep, peex, tradevest"))
            #expect(lines[3].hasPrefix("false\tbad argument #1 to 'payrun.provider' (no provider 'Particep' (did you mean 'particeep'?); the providers are"), "\(lines)")
            // Uncaught, it says the script's line first, as the script's own error would.
            #expect(output.standardError.hasPrefix("payrun: (command line):8: particeep: 404 error.transaction.none: no transaction with id txn_0"),
                    "\(output.standardError)")
        }
    }

    @Test func aMisspeltRequestFieldIsAnErrorAndNothingIsSent() async throws {
        // `methd` read as nothing would send a GET; `bdy` would send the create without its body.
        try await withServer { server in
            let (status, output) = await run("""
                local p = payrun.provider("particeep")
                print(pcall(p.tryrequest, p, { methd = "PUT", path = "/transaction", body = { amount = 5, currency = "EUR" } }))
                print(pcall(p.request, p, { method = "PUT", path = "/transaction", bdy = { amount = 5, currency = "EUR" } }))
                print(pcall(payrun.provider, "particeep", { header = { ["X-Trace"] = "t" } }))
                print(pcall(function() for _ in p:paginate("/user/search", nil, { pagesize = 5 }) do end end))
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            let lines = output.standardOutput.split(separator: "\n").map(String.init)
            #expect(lines.count == 4)
            #expect(lines[0].hasPrefix("false\t") && lines[0].hasSuffix("(unknown field 'methd' (did you mean 'method'?))"), "\(lines)")
            #expect(lines[1].hasSuffix("(unknown field 'bdy' (did you mean 'body'?))"), "\(lines)")
            #expect(lines[2].hasSuffix("bad argument #2 to 'payrun.provider' (unknown field 'header' (did you mean 'headers'?))"), "\(lines)")
            #expect(lines[3].hasSuffix("(unknown field 'pagesize' (did you mean 'page_size'?))"), "\(lines)")
            #expect(server.requests.all.isEmpty, "nothing was sent")
        }
    }

    /// A path without its `/` (or a Capitalist operation's name given as one), or with a `..`
    /// segment, is the argument's fault, said where the script gave it, with how the provider's
    /// requests are addressed.
    @Test func aPathWithoutItsSlashOrWithDotSegmentsIsAnArgumentErrorAndNothingIsSent() async throws {
        try await withServer { server in
            let (status, output) = await run("""
                local p = payrun.provider("particeep")
                print(pcall(function() return p:get("user/usr_1") end))
                print(pcall(function() return p:tryrequest{ path = "user/usr_1" } end))
                local c = payrun.provider("capitalist")
                print(pcall(function() for _ in c:paginate("get_documents_history_ext") do end end))
                print(pcall(function() return p:tryrequest{ path = "/../../etc" } end))
                print(pcall(function() return p:get("/user/./usr_1") end))
                print(p:get("/user/usr_1?next=../x") ~= nil)
                print(pcall(function() return p:get("/user/%2e%2E/x") end))
                print(pcall(function() return p:get("/user/..\\\\x") end))
                print(select(2, p:tryrequest{ path = "/user/usr%5F1" }).status)
                p:get(5)
                """, server: server)
            #expect(status == .scriptFailed)
            let lines = output.standardOutput.split(separator: "\n").map(String.init)
            #expect(lines == [
                "false\t(command line):2: bad argument #1 to 'get' (the path 'user/usr_1' must start with /)",
                "false\t(command line):3: bad argument #1 to 'tryrequest' (field 'path': the path 'user/usr_1' must start with /)",
                "false\t(command line):5: bad argument #1 to 'paginate' (the path 'get_documents_history_ext' must start with /; Capitalist's "
                    + "operations all go to /, named in their fields: c:call(\"get_accounts\"), or c:paginate(\"/\", { operation = \"get_documents_history_ext\" }))",
                // A server would resolve these outside the API's base, with the credentials.
                "false\t(command line):6: bad argument #1 to 'tryrequest' (field 'path': the path '/../../etc' has a '..' segment; "
                    + "give the path from the API's base, without . or ..)",
                "false\t(command line):7: bad argument #1 to 'get' (the path '/user/./usr_1' has a '.' segment; give the path from the API's base, without . or ..)",
                "true",
                // Encoded, or after a backslash, as servers and proxies decode and normalise them.
                "false\t(command line):9: bad argument #1 to 'get' (the path '/user/%2e%2E/x' has a '%2e%2E' segment; give the path from the API's base, without . or ..)",
                "false\t(command line):10: bad argument #1 to 'get' (the path '/user/..\\x' has a '..' segment; give the path from the API's base, without . or ..)",
                "404",
            ], "\(lines)")
            #expect(output.standardError.hasPrefix("payrun: (command line):12: bad argument #1 to 'get' (the path '5' must start with /)"), "\(output.standardError)")
            #expect(server.requests.all.count == 2 && server.requests.all.first?.path == "/particeep/v1/user/usr_1",
                    "only the good paths were sent (one with a %-escape): \(server.requests.all.map(\.path))")
        }
    }

    @Test func readsAreRetriedAndAnUnrecognisableCreateIsNot() async throws {
        try await withServer { server in
            server.faults.replace(with: try FaultPlan(parsing: "GET /particeep/v1/user/*: sequence=503,ok; PUT /particeep/v1/transaction: drop"))
            let (status, output) = await run("""
                local p = payrun.provider("particeep")
                local user, response = p:get("/user/usr_1")
                print(user.id, response.attempts)
                local none, err = p:tryrequest{ method = "PUT", path = "/transaction", body = { amount = 100, currency = "EUR" } }
                print(none, err.retryable, err.message:find("may or may not have been applied", 1, true) ~= nil, err.outcome_unknown)
                print(select(2, p:tryrequest{ path = "/user/nobody" }).outcome_unknown)
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            // A script can tell "sent, no answer" from an answer without reading the message.
            #expect(output.standardOutput == "usr_1\t2\nnil\tfalse\ttrue\ttrue\nnil\n")
            #expect(server.requests.all.filter { $0.method == "PUT" }.count == 1, "the create was sent once")
        }
    }

    /// A 503 to a create the provider cannot recognise again may yet have been applied: the
    /// error does not call it one to send again, as a read's is.
    @Test func aCreateAnswered503IsNotCalledRetryable() async throws {
        try await withServer { server in
            server.faults.replace(with: try FaultPlan(parsing: "PUT /particeep/v1/transaction: status=503; GET /particeep/v1/user/*: status=503"))
            let (status, output) = await run("""
                local p = payrun.provider("particeep")
                local _, create = p:tryrequest{ method = "PUT", path = "/transaction", body = { amount = 100, currency = "EUR" } }
                local _, read = p:tryrequest{ path = "/user/usr_1" }
                print(create.status, create.retryable, read.status, read.retryable)
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            #expect(output.standardOutput == "503\tfalse\t503\ttrue\n", "\(output.standardOutput)")
        }
    }

    /// A request on a kept connection is begun on the script's thread with no task; what its
    /// first answer leaves to do goes on in one, from that attempt: a 503 is retried once (two
    /// attempts, not three), and a create whose connection broke is in doubt, not sent again.
    @Test func aRequestBegunWithoutATaskGoesOnInOneFromItsFirstAttempt() async throws {
        try await withServer { server in
            server.faults.replace(with: try FaultPlan(parsing: "GET /particeep/v1/user/*: sequence=503,ok; PUT /particeep/v1/transaction: drop"))
            let (status, output) = await run("""
                local p = payrun.provider("particeep")
                p:get("/transaction/txn_1")
                local user, response = p:get("/user/usr_1")
                print(user.id, response.attempts)
                local none, err = p:tryrequest{ method = "PUT", path = "/transaction", body = { amount = 100, currency = "EUR" } }
                print(none, err.outcome_unknown, err.message:find("may or may not have been applied", 1, true) ~= nil)
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            #expect(output.standardOutput == "usr_1\t2\nnil\ttrue\ttrue\n", "\(output.standardOutput)")
            #expect(server.requests.all.filter { $0.path == "/particeep/v1/user/usr_1" }.count == 2, "sent twice: the 503, then the answer")
            #expect(server.requests.all.filter { $0.method == "PUT" }.count == 1, "the create was sent once")
        }
    }

    @Test func aHeaderTheSigningAddsIsRefusedNotSentInsteadOfTheSignature() async throws {
        try await withServer { server in
            let (status, output) = await run("""
                local p = payrun.provider("particeep", { headers = { Authorization = "mine" } })
                print(select(2, p:tryrequest{ path = "/user/usr_1" }).message)
                local q = payrun.provider("particeep")
                print(select(2, q:tryrequest{ path = "/user/usr_1", headers = { authorization = "Bearer x" } }).message)
                print(q:get("/user/usr_1", nil).id)
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            #expect(output.standardOutput == """
                the header Authorization is added by payrun when it signs particeep's requests; a script's own would stand in for the signature, so leave it out
                the header Authorization is added by payrun when it signs particeep's requests; a script's own would stand in for the signature, so leave it out
                usr_1

                """)
            #expect(server.requests.all.count == 1, "only the request without them was sent")
        }
    }

    @Test func parallelKeepsEachCallsFirstResult() async throws {
        // `p:get` returns the result and then the response: the result is what a call gives.
        try await withServer { server in
            let (status, output) = await run("""
                local p = payrun.provider("particeep")
                local users = payrun.parallel({ "usr_1", "usr_2" }, function(id) return p:get("/user/" .. id) end)
                print(users[1].id, users[2].id, users[1].status)
                local firsts = payrun.parallel({ 1, 2 }, function(n) return n * 10, "second", "third" end)
                print(firsts[1], firsts[2], #firsts)
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            #expect(output.standardOutput == "usr_1\tusr_2\tnil\n10\t20\t2\n")
        }
    }

    @Test func aSleepInsideParallelLetsTheOthersRun() async throws {
        try await withServer { server in
            let (status, output) = await run("""
                local log = {}
                local results = payrun.parallel({ 0.6, 0, 0.1 }, function(seconds)
                  payrun.sleep(seconds)
                  log[#log + 1] = seconds
                  return seconds * 10
                end)
                print(table.concat(log, " "), table.concat(results, " "))
                payrun.sleep(0)
                print(pcall(function() payrun.sleep(-1) end))
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            // Half a second apart: a loaded machine delays a wake by a good part of that.
            #expect(output.standardOutput == "0 0.1 0.6\t6.0 0 1.0\nfalse\t(command line):9: bad argument #1 to 'sleep' (seconds must be between 0 and 3600)\n")
        }
    }

    @Test func aPageThatFailsOnceIsFetchedAgainAndNothingIsSkipped() async throws {
        try await withServer { server in
            server.faults.replace(with: try FaultPlan(parsing: "GET /particeep/v1/transaction/search: sequence=ok,503,ok,429"))
            let (status, output) = await run("""
                local seen, n = {}, 0
                for t in payrun.provider("particeep"):paginate("/transaction/search", nil, { page_size = 100 }) do
                  assert(not seen[t.id], "twice: " .. t.id)
                  seen[t.id], n = true, n + 1
                end
                print(n)
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            #expect(output.standardOutput == "321\n")
            // In any order: the page after the next is asked for while the next is retried, and
            // the simulator records each request when its answer is ready.
            #expect(server.requests.all.filter { $0.path.hasSuffix("/transaction/search") }.compactMap(\.status).sorted() == [200, 200, 200, 200, 429, 503],
                    "four pages, two of them asked twice")
        }
    }

    @Test func verboseTracesAttemptsAndDryRunSendsNoMutation() async throws {
        try await withServer { server in
            server.faults.replace(with: try FaultPlan(parsing: "GET /particeep/v1/user/*: sequence=502,ok"))
            let (status, output) = await run("""
                local p = payrun.provider("particeep")
                p:get("/user/usr_1")
                local t, response = p:put("/transaction", { amount = 700, currency = "EUR" })
                print(t.amount, t.id, response.dry_run)
                """, server: server, verbose: true, dryRun: true)
            #expect(status == .success, "\(output.standardError)")
            #expect(output.standardOutput == "700\tnil\ttrue\n")
            let notes = output.standardError.split(separator: "\n").map(String.init)
            #expect(notes.count == 3)
            #expect(notes[0].hasPrefix("payrun: GET \(server.baseURL)/particeep/v1/user/usr_1 → 502 in "))
            #expect(notes[0].contains(", retrying in "))
            #expect(notes[1].contains("→ 200 in ") && notes[1].hasSuffix("(attempt 2)"))
            #expect(notes[2] == "payrun: dry run, not sent: PUT \(server.baseURL)/particeep/v1/transaction {\"amount\":700,\"currency\":\"EUR\"}")
            #expect(!server.requests.all.contains { $0.method == "PUT" }, "nothing mutating was sent")
        }
    }

    @Test func aQuotaNearlySpentIsWarnedOnce() async throws {
        var configuration = SimulatorServer.Configuration()
        configuration.particeep.users = 5
        configuration.particeep.transactions = 5
        configuration.particeep.requestQuotaMax = 10
        try await SimulatorFixture.with(configuration) { server in
            let (status, output) = await run("""
                local p = payrun.provider("particeep")
                for i = 1, 10 do p:get("/info") end
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            #expect(output.standardError == "payrun: particeep: 9 of this month's 10 requests used (request-quota); past 10, requests are refused\n")
        }
    }

    @Test func parallelCallsOverlapTheirRequestsAndKeepTheOrder() async throws {
        try await withServer { server in
            server.faults.replace(with: try FaultPlan(parsing: "GET /particeep/v1/transaction/*: latency=200ms"))
            let (status, output) = await run("""
                local p = payrun.provider("particeep")
                local ids = {}
                for i = 1, 16 do ids[i] = "txn_" .. i end
                local ok, amounts = pcall(payrun.parallel, ids, function(id) return p:get("/transaction/" .. id).id end, { concurrency = 8 })
                print(ok, #amounts, amounts[1], amounts[16])
                local okay, err = pcall(payrun.parallel, { "usr_1", "nobody", "usr_2" }, function(id) return p:get("/user/" .. id) end)
                print(okay, err.code, err.status)
                print(pcall(payrun.parallel, { 1 }, function() coroutine.yield() end))
                print(pcall(payrun.parallel, { 1 }, function() return payrun.parallel({ 2 }, print) end))
                print(#payrun.parallel({}, print), pcall(payrun.parallel, {}, print, { concurrency = 0 }))
                local log = {}
                payrun.parallel({ 1, 2, 3 }, function(i)
                  log[#log + 1] = "start" .. i
                  p:get("/transaction/txn_" .. i)
                  log[#log + 1] = "end" .. i
                end)
                print(table.concat(log, " ", 1, 3))
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            let lines = output.standardOutput.split(separator: "\n").map(String.init)
            #expect(lines[0] == "true\t16\ttxn_1\ttxn_16")
            #expect(lines[1] == "false\terror.user.none\t404")
            #expect(lines[2].contains("only provider requests may wait inside it"))
            #expect(lines[3].contains("payrun.parallel cannot run inside payrun.parallel"))
            #expect(lines[4].hasPrefix("0\tfalse\t") && lines[4].contains("bad argument #3") && lines[4].contains("field 'concurrency' must be an integer from 1 to 1024"))
            // Each call waits for its response while the next one starts: they overlap.
            #expect(lines[5] == "start1 start2 start3")
        }
    }

    @Test func aParallelCallThatFailsSendsNoRequestItHadNotBegun() async throws {
        try await withServer { server in
            // Items 1 and 2 ask to pay, and wait; item 3 raises before the script's thread has
            // sent either request. The call fails, and neither payout goes out, then or later.
            let (status, output) = await run("""
                local p = payrun.provider("particeep")
                local ok, err = pcall(payrun.parallel, { 1, 2, 3 }, function(i)
                  if i == 3 then error("row 3 is malformed") end
                  return p:put("/transaction", { issuer_id = "usr_1", recipient_id = "usr_" .. (i + 1), amount = 100, currency = "EUR" })
                end, { concurrency = 4 })
                print(ok, err)
                payrun.sleep(0.5)
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            #expect(output.standardOutput.hasPrefix("false\t") && output.standardOutput.contains("row 3 is malformed"), "\(output.standardOutput)")
            try await Task.sleep(for: .milliseconds(500))
            #expect(server.requests.all.filter { $0.method == "PUT" }.isEmpty, "no payout was sent after the call failed")
        }
    }

    /// `payrun.http` refused them; a provider's requests took them: a `Content-Length: 0` left a
    /// body on the kept connection, read as the start of the next request, and a `Host` could
    /// steer a shared front end, credentials and all, to another site.
    @Test func aScriptCannotSetTheHeadersThatFrameOrRouteAProviderRequest() async throws {
        try await withServer { server in
            let (status, output) = await run("""
                local p = payrun.provider("particeep")
                for _, name in ipairs({ "Content-Length", "transfer-encoding", "Host", "Proxy-Authorization" }) do
                  print(pcall(function() return p:request{ method = "POST", path = "/transaction", headers = { [name] = "0" }, body = { a = 1 } } end))
                end
                print(pcall(payrun.provider, "particeep", { headers = { Host = "evil.example" } }))
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            let lines = output.standardOutput.split(separator: "\n").map(String.init)
            #expect(lines.count == 5, "\(lines)")
            for (line, name) in zip(lines, ["Content-Length", "transfer-encoding", "Host", "Proxy-Authorization"]) {
                #expect(line.hasPrefix("false\t") && line.hasSuffix(
                    ":3: bad argument #1 to 'request' (field 'headers': '\(name)' is set by payrun from the provider's URL and the body, not by a script)"), "\(line)")
            }
            #expect(lines.last?.hasSuffix(
                "bad argument #2 to 'payrun.provider' (field 'headers': 'Host' is set by payrun from the provider's URL and each body, not by a script)") == true,
                    "\(lines)")
            #expect(server.requests.all.isEmpty, "nothing was sent")
        }
    }

    /// A method that is not one HTTP token went as far as the transport, which blamed the URL;
    /// a CONNECT was sent, never answered, and its wait ended as a payment in doubt.
    @Test func aMethodThatIsNotARequestIsRefusedBeforeAnythingIsSent() async throws {
        try await withServer { server in
            let (status, output) = await run("""
                local p = payrun.provider("particeep")
                for _, method in ipairs({ "GE T", "", "GET\\r\\nX-A: b", "CONNECT", "connect" }) do
                  print(select(2, pcall(function() return p:request{ method = method, path = "/user/usr_1" } end)))
                end
                print(select(2, pcall(function() return payrun.http.request{ method = "CONNECT", url = "http://127.0.0.1:1/" } end)))
                print(p:request{ method = "get", path = "/user/usr_1" }.id)
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            let lines = output.standardOutput.split(separator: "\n").map(String.init)
            let notAMethod = #"bad argument #1 to 'request' (field 'method' must be an HTTP method, like "POST")"#
            let tunnel = "bad argument #1 to 'request' (field 'method': CONNECT asks a proxy for a tunnel; it is not a request to send)"
            #expect(lines.count == 7, "\(lines)")
            for (line, expected) in zip(lines, [notAMethod, notAMethod, notAMethod, tunnel, tunnel, tunnel]) {
                #expect(line.hasSuffix(expected), "\(line)")
            }
            #expect(lines.last == "usr_1", "a method in lower case is still one")
            #expect(server.requests.all.count == 1, "only the GET was sent")
        }
    }

    /// A body's numbers were parsed to doubles and written again: a decimal's 12.50 went out as
    /// 12.5, and a JSON string's as the double wrote it.
    @Test func aBodysNumbersGoOutWithTheDigitsTheScriptGave() async throws {
        try await withServer { server in
            let (status, output) = await run("""
                local D = payrun.decimal.new
                local p = payrun.provider("particeep")
                print(p:sign{ method = "post", path = "/transaction", body = { amount = D("12.50"), tiny = D("0.000000000000000000001"), n = 3 } }.body)
                print(p:sign{ method = "post", path = "/transaction", body = '{"amount": 12.50, "scaled": 1e2, "n": 7}' }.body)
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            #expect(output.standardOutput == """
                {"amount":12.50,"n":3,"tiny":0.000000000000000000001}
                {"amount":12.50,"n":7,"scaled":1e2}

                """, "\(output.standardOutput)")
        }
    }

    @Test func signShowsTheRequestWithoutItsSecretsAndCanBeSent() async throws {
        try await withServer { server in
            let (status, output) = await run("""
                local p = payrun.provider("particeep")
                local r = p:sign{ method = "put", path = "/transaction", body = { amount = 5, currency = "EUR" }, headers = { ["X-Trace"] = "t1" } }
                print(r.method, r.url, r.body, r.headers["X-Trace"], r.headers.Authorization, r.headers.DateTime ~= nil)
                print(p:request(r).status)
                local ok, err = pcall(p.sign, p, { method = "put", path = "/transaction", body = { note = payrun.credential("particeep.api_secret") } })
                print(ok, tostring(err):find("cannot go in a request body", 1, true) ~= nil)
                local t = payrun.provider("tradevest")
                local c = t:sign{ method = "post", path = "/webhooks", body = { value = payrun.credential("tradevest.webhook_secret") } }
                print(c.body, (c.body:reverse()))
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            let lines = output.standardOutput.split(separator: "\n").map(String.init)
            #expect(lines.dropLast().last == "false\ttrue", "particeep's own secret never goes in a body, not even to be shown: \(lines)")
            let shown = #"{"value":"[credential tradevest.webhook_secret]"}"#
            #expect(lines.last == shown + "\t" + String(shown.reversed()),
                    "a credential handle in the body is shown by name: the secret never reaches the script")
            #expect(lines[0] == "PUT\t\(server.baseURL)/particeep/v1/transaction\t{\"amount\":5,\"currency\":\"EUR\"}\tt1\t[redacted: added by payrun when sent]\ttrue")
            #expect(lines[1] == "PENDING", "what sign returned is sent, signed afresh")
            #expect(!output.combined.contains("PTP:"))
        }
    }

    @Test func aProvidersOwnSecretNeverGoesInABodyWhereItsSearchesCouldGiveItBack() async throws {
        // Put in a user's name, a secret could be read back a character at a time through the
        // user search. Only a secret meant to be registered (Tradevest's webhook header) goes in a body.
        try await withServer { server in
            let (status, output) = await run("""
                local p = payrun.provider("particeep")
                local none, err = p:tryrequest{ method = "PUT", path = "/user",
                  body = { email = "oracle@example.com", first_name = payrun.credential("particeep.api_secret") } }
                print(none, err.message)
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            #expect(output.standardOutput.contains(
                "nil\tthe credential particeep.api_secret cannot go in a request body: particeep would keep it where its answers could give it back"),
                "\(output.standardOutput)")
            #expect(!server.requests.all.contains { $0.method == "PUT" }, "nothing was sent")
        }
    }

    @Test func webhooksAreVerifiedFromLua() async throws {
        try await withServer { server in
            let signed = ParticeepSimulator.signedHeaders(key: ParticeepSimulator.sandboxAPIKey, secret: ParticeepSimulator.sandboxAPISecret)
            let headers = signed.map { "[\"\($0.0)\"] = \"\($0.1)\"" }.joined(separator: ", ")
            let (status, output) = await run("""
                local headers = { \(headers), ["X-Particeep-Event"] = "user_deleted" }
                print(payrun.webhook.verify("particeep", { headers = headers, body = '{"id":"usr_1"}' }))
                headers.Authorization = "PTP:sandbox-particeep-key:Zm9yZ2Vk"
                print(payrun.webhook.verify("particeep", { headers = headers, body = "" }))
                print(payrun.webhook.verify("particeep", { headers = {}, body = "" }))
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            #expect(output.standardOutput == "true\nfalse\tthe Authorization signature does not match\nfalse\tno DateTime header\n")
        }
    }

    /// A host's own provider, registered beside the built-in ones: it signs with a header of its
    /// own and a secret from the host's store, and unwraps nothing.
    struct LedgerProvider: PaymentProvider {
        let name = "ledger"
        let credentialFields = ["token"]
        let server: String
        /// The environment the simulator stands in for.
        var environment = PayrunEnvironment.sandbox

        func baseURL(in environment: PayrunEnvironment, sandboxServer: String?) -> String? {
            environment == self.environment ? server + "/particeep/v1" : nil
        }

        func sign(_ request: inout ProviderRequest, in context: SigningContext) async throws(ProviderError) {
            _ = try context.credentials.secret("token")
            // The simulator underneath wants Particeep's signature; a real ledger would want the token.
            request.headers += ParticeepSimulator.signedHeaders(key: ParticeepSimulator.sandboxAPIKey, secret: ParticeepSimulator.sandboxAPISecret)
        }

        func result(of response: ProviderResponse, to request: ProviderRequest) throws(ProviderError) -> JSONValue {
            guard response.status == 200 else { throw ProviderError(provider: name, status: response.status, message: "ledger said no") }
            return (try? JSONValue.parse(response.body)) ?? .null
        }
    }

    @Test func aHostRegistersItsOwnProvider() async throws {
        try await withServer { server in
            var registry = BuiltInProviders.registry
            registry.register(LedgerProvider(server: server.baseURL))
            var store = MemoryCredentialStore()
            store.set(Secret("ledger-token-5f2e9a"), for: CredentialName(provider: "ledger", field: "token"), in: .sandbox)
            let (status, output) = await run("""
                local ledger = payrun.provider("ledger")
                print(ledger, ledger:get("/info").simulator)
                print(pcall(ledger.get, ledger, "/user/nobody"))
                local _, e = pcall(ledger.get, ledger, "/user/nobody")
                print("metatable", getmetatable(e))
                """, server: server, registry: registry, store: store)
            #expect(status == .success, "\(output.standardError)")
            #expect(output.standardOutput.hasPrefix("provider ledger (sandbox)\tpayrun sandbox\nfalse\tledger: 404 ledger said no"))
            #expect(output.standardOutput.contains("\nmetatable\tfalse\n"), "an error's metatable is out of the script's reach: \(output.standardOutput)")
            let (missing, failure) = await run("payrun.provider('ledger'):get('/info')", server: server, registry: registry)
            #expect(missing == .scriptFailed)
            #expect(failure.standardError.contains("no credential ledger.token in the sandbox environment"))
        }
    }

    /// A prompt with a scripted answer, or none (no terminal), that counts the questions.
    final class ScriptedPrompt: ConfirmationPrompt, @unchecked Sendable {
        let answer: String?
        /// Touched only on the script's thread, which asks.
        var questions: [String] = []
        init(answer: String?) { self.answer = answer }
        func ask(_ question: String) -> String? {
            questions.append(question)
            return answer
        }
    }

    @Test func liveMutationsWaitForAYesAndReadsDoNot() async throws {
        try await withServer { server in
            var registry = BuiltInProviders.registry
            registry.register(LedgerProvider(server: server.baseURL, environment: .live))
            var store = MemoryCredentialStore()
            store.set(Secret("ledger-live-token-77aa"), for: CredentialName(provider: "ledger", field: "token"), in: .live)
            let code = """
                local ledger = payrun.provider("ledger")
                print(ledger:get("/info").simulator)
                local t, err = ledger:tryrequest({ method = "PUT", path = "/transaction", body = { amount = 5, currency = "EUR" } })
                print(t and t.status, err and err.code)
                ledger:put("/transaction", { amount = 6, currency = "EUR" })
                """
            let (providers, credentials) = (registry, store)
            func run(answer: String?) async -> (PayrunExitStatus, CapturedOutput, ScriptedPrompt) {
                let prompt = ScriptedPrompt(answer: answer)
                return await withCheckedContinuation { continuation in
                    Thread {
                        let output = CapturedOutput()
                        let session = ProviderSession(registry: providers, environment: .live, credentials: credentials)
                        let runner = ScriptRunner(
                            output: output, credentials: credentials, environment: .live,
                            liveConfirmation: LiveConfirmation(environment: .live, approvedInAdvance: false, prompt: prompt), providers: session)
                        let status = runner.run(ScriptInvocation(chunks: [code], scriptPath: nil, arguments: []))
                        continuation.resume(returning: (status, output, prompt))
                    }.start()
                }
            }
            let puts = { server.requests.all.filter { $0.method == "PUT" }.count }

            let (refused, refusedOutput, asked) = await run(answer: "no")
            #expect(refused == .scriptFailed)
            #expect(refusedOutput.standardOutput == "payrun sandbox\nnil\tpayrun.not_confirmed\n", "the read went without a question")
            #expect(refusedOutput.standardError.contains("not sent: PUT \(server.baseURL)/particeep/v1/transaction to ledger in live was not confirmed"))
            #expect(asked.questions.count == 2 && asked.questions[0].contains("in LIVE (real money)? Type yes to send"))
            #expect(asked.questions.first?.contains(#"/transaction with {"amount":5,"currency":"EUR"} to ledger"#) == true,
                    "the question says what would be sent: \(asked.questions)")
            #expect(puts() == 0, "nothing refused reached the provider")

            let (noTerminal, noTerminalOutput, _) = await run(answer: nil)
            #expect(noTerminal == .scriptFailed)
            #expect(noTerminalOutput.standardError.contains("there is no terminal to confirm it on"))
            #expect(puts() == 0)

            let (confirmed, confirmedOutput, _) = await run(answer: "yes")
            #expect(confirmed == .success, "\(confirmedOutput.standardError)")
            #expect(confirmedOutput.standardOutput == "payrun sandbox\nPENDING\tnil\n")
            #expect(puts() == 2, "each confirmed mutation sent once")
        }
    }
}
