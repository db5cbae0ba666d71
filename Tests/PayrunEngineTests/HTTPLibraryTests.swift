// payrun.http against a real service on loopback: only allowed hosts are reached, credentials
// go only where their service is allowed and never show, and requests get the providers' rules:
// reads retried, mutations not unless the script says so, timeouts and the response cap.
import Foundation
import Payrun
import PayrunTestSupport
import Testing

@Suite struct HTTPLibraryTests {
    static let webhookSecret = "T0AAA/B0BBB/hook-secret-7c1e9a"
    static let token = "pd/token+5b2d8e41="

    /// An engine whose scripts may reach `allowed`, with a chat webhook URL on `receiver` and a
    /// service token among its credentials.
    func engine(allowing allowed: [String], receiver: ServiceReceiver, http: HTTPSettings = HTTPSettings()) throws -> PayrunEngine {
        var store = MemoryCredentialStore()
        store.set(Secret("\(receiver.url)/services/\(Self.webhookSecret)"), for: CredentialName(provider: "chat", field: "webhook_url"), in: .sandbox)
        store.set(Secret(Self.token), for: CredentialName(provider: "pager", field: "token"), in: .sandbox)
        var configuration = PayrunEngine.Configuration.standard(credentials: store)
        configuration.allowedHosts = try AllowedHosts(parsing: allowed)
        var retries = RetryPolicy()
        retries.firstDelay = .milliseconds(20)
        configuration.retryPolicy = retries
        configuration.http = http
        return PayrunEngine(configuration)
    }

    func run(_ code: String, on engine: PayrunEngine, verbose: Bool = false, dryRun: Bool = false) async throws -> ScriptResult {
        var options = RunOptions()
        options.verbose = verbose
        options.dryRun = dryRun
        return try await engine.run(.text(code, name: "service.lua"), options: options)
    }

    /// Everything a user could see of a run: output, error, returned values.
    func visible(_ result: ScriptResult) -> String {
        [result.output?.standardOutput ?? "", result.output?.standardError ?? "", result.error?.description ?? "",
         result.values.map { "\($0)" }.joined(separator: " ")].joined(separator: "\n")
    }

    @Test func aHostNotAllowedIsRefusedWithTheFlagToAllowIt() async throws {
        let receiver = try await ServiceReceiver.start()
        let engine = try engine(allowing: ["example.com"], receiver: receiver)
        let result = try await run(#"payrun.http.post("\#(receiver.url)/hook", {text = "hi"})"#, on: engine)
        #expect(result.status == .scriptFailed)
        #expect(result.error?.message.contains("127.0.0.1:\(receiver.port) is not an allowed host: allow it with --allow-host 127.0.0.1:\(receiver.port)") == true)
        #expect(receiver.received.isEmpty)
        await engine.shutdown()
        await receiver.stop()
    }

    @Test func anAllowedHostGetsTheRequestAndTheScriptItsAnswer() async throws {
        let receiver = try await ServiceReceiver.start(answering: [.status(201, body: #"{"id":"tk_1","amount":12.50}"#)])
        let engine = try engine(allowing: ["127.0.0.1:\(receiver.port)"], receiver: receiver)
        let result = try await run(#"""
            local r = payrun.http.request{method = "post", url = "\#(receiver.url)/tickets", query = {team = "ops", n = 2},
                headers = {["X-Run"] = "nightly"}, body = {title = "3 payouts failed", amount = payrun.decimal.new("12.50")}}
            print(r.status, r.json.id, tostring(r.json.amount), r.headers["content-type"], r.attempts)
            local g = payrun.http.get("\#(receiver.url)/status")
            print(g.status, g.body)
            """#, on: engine)
        #expect(result.status == .success, "\(result.error?.description ?? "")")
        #expect(result.output?.standardOutput == "201\ttk_1\t12.5\tapplication/json\t1\n200\t{\"ok\":true}\n")
        let sent = receiver.received
        #expect(sent.count == 2)
        #expect(sent.first?.method == "POST")
        #expect(sent.first?.path == "/tickets")
        #expect(sent.first?.query == "n=2&team=ops")
        #expect(sent.first?.headers["x-run"] == "nightly")
        #expect(sent.first?.headers["content-type"] == "application/json")
        let body = try JSONSerialization.jsonObject(with: sent.first?.body ?? Data()) as? [String: Any]
        #expect(body?["title"] as? String == "3 payouts failed")
        #expect(sent.first?.text.contains(#""amount":12.50"#) == true)
        await engine.shutdown()
        await receiver.stop()
    }

    @Test func aWholeURLSecretReachesItsHostAndNeverShows() async throws {
        let receiver = try await ServiceReceiver.start(answering: [.status(200), .status(404, body: "Cannot POST /services/\(Self.webhookSecret)")])
        let engine = try engine(allowing: ["127.0.0.1:\(receiver.port)"], receiver: receiver)
        let result = try await run(#"""
            local hook = payrun.credential("chat", "webhook_url")
            print(hook)
            local r = payrun.http.post(hook, {text = "nightly payouts: 3 sent"})
            print(r.status)
            local ok, err = pcall(payrun.http.post, hook, {text = "again"})
            print(ok, err.status, err)
            local none, again = payrun.http.tryrequest{method = "POST", url = hook, body = "x"}
            print(none, again.message)
            error(err)
            """#, on: engine, verbose: true)
        let received = receiver.received
        #expect(received.count == 3)
        #expect(received.first?.path == "/services/\(Self.webhookSecret)")
        #expect(received.first?.text == #"{"text":"nightly payouts: 3 sent"}"#)
        let shown = visible(result)
        #expect(!shown.contains("hook-secret"), "\(shown)")
        #expect(result.output?.standardOutput.contains("credential chat.webhook_url (sandbox)\n200\nfalse\t404\thttp: 404 POST [redacted chat.webhook_url]: Cannot POST [redacted chat.webhook_url]") == true, "\(shown)")
        #expect(result.output?.standardError.contains("POST [redacted chat.webhook_url] → 200") == true, "\(shown)")
        #expect(result.status == .scriptFailed)
        await engine.shutdown()
        await receiver.stop()
    }

    @Test func aTokenGoesOnlyToAHostAllowedForItsServiceAndItsEchoIsRedacted() async throws {
        let receiver = try await ServiceReceiver.start(answering: [.echo, .echo, .status(200, body: #"{"auth":"Bearer pd\/token+5b2d8e41="}"#)])
        let hostOnly = try engine(allowing: ["127.0.0.1:\(receiver.port)"], receiver: receiver)
        let script = #"""
            local r = payrun.http.get("\#(receiver.url)/me", {headers = {Authorization = {"Bearer ", payrun.credential("pager", "token")}}})
            print(r.json.authorization, r.body)
            """#
        let refused = try await run(script, on: hostOnly)
        #expect(refused.error?.message.contains("the credential pager.token may only go to a host allowed for pager over https: allow it with --allow-host 127.0.0.1:\(receiver.port)=pager") == true)
        #expect(receiver.received.isEmpty)
        await hostOnly.shutdown()

        let engine = try engine(allowing: ["127.0.0.1:\(receiver.port)=pager"], receiver: receiver)
        let result = try await run(script, on: engine)
        #expect(result.status == .success, "\(result.error?.description ?? "")")
        #expect(receiver.received.first?.headers["authorization"] == "Bearer \(Self.token)")
        #expect(result.output?.standardOutput.hasPrefix("Bearer [redacted pager.token]\t{\"authorization\":\"Bearer [redacted pager.token]\"") == true, "\(visible(result))")
        // In the query it is percent-encoded; an answer may escape it as JSON allows: redacted either way.
        let forms = try await run(#"""
            local r = payrun.http.get("\#(receiver.url)/q", {query = {t = payrun.credential("pager", "token")}})
            print(r.json.query, r.body)
            local e = payrun.http.get("\#(receiver.url)/e")
            print(e.json.auth, e.body)
            """#, on: engine, verbose: true)
        #expect(receiver.received.dropFirst().first?.query == "t=pd%2Ftoken%2B5b2d8e41%3D")
        let shown = visible(forms)
        #expect(!shown.contains("5b2d8e41"), "\(shown)")
        #expect(forms.output?.standardOutput.contains("t=[redacted pager.token]\t") == true, "\(shown)")
        #expect(forms.output?.standardOutput.contains("Bearer [redacted pager.token]\t{\"auth\":\"Bearer [redacted pager.token]\"}") == true, "\(shown)")
        let providers = try await run(#"payrun.http.post("\#(receiver.url)/x", {key = payrun.credential("particeep.api_key")})"#, on: engine)
        #expect(providers.error?.message.contains(#"the credential particeep.api_key is particeep's: it goes only to particeep, through payrun.provider("particeep")"#) == true)
        #expect(receiver.received.count == 3)
        // Text that looks like a placeholder (a payee's name from an answer or a file) names no credential.
        let forged = try await run(#"""
            payrun.http.post("\#(receiver.url)/f", {a = "\27payrun-credential:pager.token\27", b = 'Bob "\27payrun-credential:pager.token\27'})
            """#, on: engine)
        #expect(forged.status == .success, "\(forged.error?.description ?? "")")
        #expect(receiver.received.last?.path == "/f")
        #expect(receiver.received.last?.text.contains("5b2d8e41") == false, "\(receiver.received.last?.text ?? "")")
        await engine.shutdown()
        await receiver.stop()
    }

    @Test func readsAreRetriedAndMutationsOnlyWhenTheScriptSaysSo() async throws {
        let receiver = try await ServiceReceiver.start(answering: [.status(503), .status(200), .status(503), .status(503), .status(200)])
        let engine = try engine(allowing: ["127.0.0.1:\(receiver.port)"], receiver: receiver)
        let result = try await run(#"""
            print(payrun.http.get("\#(receiver.url)/a").attempts)
            local ok, err = pcall(payrun.http.post, "\#(receiver.url)/b", {n = 1})
            print(ok, err.status, err.retryable)
            print(payrun.http.post("\#(receiver.url)/c", {n = 2}, {retry = true}).attempts)
            """#, on: engine)
        #expect(result.status == .success, "\(result.error?.description ?? "")")
        #expect(result.output?.standardOutput == "2\nfalse\t503\ttrue\n2\n")
        #expect(receiver.received.map(\.path) == ["/a", "/a", "/b", "/c", "/c"])
        await engine.shutdown()
        await receiver.stop()
    }

    @Test func aSilentServiceTimesOutAndAnUnsafeMutationIsNotSentTwice() async throws {
        // Every answer after the silence is too large, so a read retried on a loaded machine still ends on the cap.
        // A read timeout of 2 s: under the whole suite's load an answer of 5,000 bytes can take more than 1 s.
        let big = ServiceReceiver.Answer.status(200, body: String(repeating: "x", count: 5000))
        let receiver = try await ServiceReceiver.start(answering: [.silence(.seconds(6)), big, big, big, big])
        var http = HTTPSettings()
        http.readTimeout = .seconds(2)
        http.maximumResponseBytes = 4096
        let engine = try engine(allowing: ["127.0.0.1:\(receiver.port)"], receiver: receiver, http: http)
        let result = try await run(#"""
            local none, err = payrun.http.tryrequest{method = "POST", url = "\#(receiver.url)/pay", body = {n = 1}}
            print(none, err.message)
            local ok, large = pcall(payrun.http.get, "\#(receiver.url)/big")
            print(ok, large.message)
            """#, on: engine)
        #expect(result.status == .success, "\(result.error?.description ?? "")")
        let lines = result.output?.standardOutput.split(separator: "\n").map(String.init) ?? []
        #expect(lines.first?.contains("timed out") == true, "\(lines)")
        #expect(lines.first?.contains("may or may not have been applied") == true, "\(lines)")
        #expect(lines.last?.contains("the response is larger than 4096 bytes") == true, "\(lines)")
        #expect(receiver.received.filter { $0.path == "/pay" }.count == 1, "a POST that may have arrived is never sent again")
        #expect(receiver.received.last?.path == "/big")
        await engine.shutdown()
        await receiver.stop()
    }

    @Test func requestsInsideParallelOverlapAndDryRunSendsOnlyReads() async throws {
        let receiver = try await ServiceReceiver.start()
        let engine = try engine(allowing: ["127.0.0.1:\(receiver.port)"], receiver: receiver)
        let parallel = try await run(#"""
            local ids = {}
            for i = 1, 12 do ids[i] = i end
            local statuses = payrun.parallel(ids, function(i) return payrun.http.get("\#(receiver.url)/item/" .. i).status end, {concurrency = 4})
            print(table.concat(statuses, ","))
            """#, on: engine)
        #expect(parallel.output?.standardOutput == String(repeating: "200,", count: 11) + "200\n", "\(parallel.error?.description ?? "")")
        #expect(receiver.received.count == 12)

        let dry = try await run(#"""
            local r = payrun.http.post("\#(receiver.url)/hook", {text = "hi"})
            print(r.status, r.dry_run)
            print(payrun.http.get("\#(receiver.url)/status").status)
            """#, on: engine, dryRun: true)
        #expect(dry.output?.standardOutput == "0\ttrue\n200\n")
        #expect(dry.output?.standardError.contains("dry run, not sent: POST \(receiver.url)/hook") == true)
        #expect(receiver.received.count == 13)
        #expect(receiver.received.last?.path == "/status")
        await engine.shutdown()
        await receiver.stop()
    }

    @Test func argumentsAreCheckedInLuasForm() async throws {
        let receiver = try await ServiceReceiver.start()
        let engine = try engine(allowing: ["127.0.0.1:\(receiver.port)"], receiver: receiver)
        let result = try await run(#"""
            local function failure(f) local ok, e = pcall(f) return tostring(e) end
            print(failure(function() payrun.http.get(42) end))
            print(failure(function() payrun.http.request{method = "POST"} end))
            print(failure(function() payrun.http.post("\#(receiver.url)/x", true) end))
            print(failure(function() payrun.http.get("\#(receiver.url)/x", {headers = {A = print}}) end))
            print(failure(function() payrun.http.get("ftp://example.com/x") end))
            print(failure(function() payrun.credential("Slack", "url") end))
            print(failure(function() payrun.http.get("\#(receiver.url)/x", {headers = {Host = "evil.example"}}) end))
            print(failure(function() payrun.http.get("\#(receiver.url)/x", {headers = {["X-A"] = {"a", "\n"}}}) end))
            print(failure(function() payrun.http.get("http://127.0.0.1:+\#(receiver.port)/x") end))
            print(failure(function() payrun.http.get("http://ops@127.0.0.1:\#(receiver.port)/x") end))
            """#, on: engine)
        let lines = result.output?.standardOutput.split(separator: "\n").map(String.init) ?? []
        #expect(lines == [
            "service.lua:2: bad argument #1 to 'get' (string or credential expected, got number)",
            "service.lua:3: bad argument #1 to 'request' (field 'url' is required)",
            "service.lua:4: bad argument #2 to 'post' (the body must be a string or a table (sent as JSON), not a boolean)",
            "service.lua:5: bad argument #2 to 'get' (field 'headers' must map names to strings, numbers, decimals or credentials (or lists of them, joined))",
            "http: 'ftp://example.com/x' is not an http:// or https:// URL",
            #"service.lua:7: bad argument #1 to 'credential' (expected a service and a field in lower case, like ("slack", "webhook_url"))"#,
            "service.lua:8: bad argument #2 to 'get' (field 'headers': 'Host' is set by payrun from the url and body, not by a script)",
            "http: GET \(receiver.url)/x: not sent: a header name or value holds a character HTTP does not allow, such as a line break",
            "http: 'http://127.0.0.1:+\(receiver.port)/x' is not an absolute http:// or https:// URL: a host, and a port of digits if any",
            "http: 'http://ops@127.0.0.1:\(receiver.port)/x' has a user name in it, which payrun does not send: put credentials in a header",
        ], "\(result.error?.description ?? "")")
        #expect(receiver.received.isEmpty)
        await engine.shutdown()
        await receiver.stop()
    }
}
