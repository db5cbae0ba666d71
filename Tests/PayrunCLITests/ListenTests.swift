// `payrun listen` and `payrun inbox` as an operations team runs them: real processes, real HTTP on
// loopback, the simulators' own webhooks, forgeries, failures, slow senders, and SIGKILL.
import Foundation
import PayrunProviders
import PayrunSimulators
import PayrunLocks
import PayrunTestSupport
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite(.serialized) struct ListenTests {
    let folder = TestFiles.path("payrun-listen") + "/"
    var state: String { folder + "state.db" }

    init() throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    /// A handlers file in the test's folder.
    func handlers(_ source: String, named name: String = "handlers.lua") throws -> String {
        try source.write(toFile: folder + name, atomically: true, encoding: .utf8)
        return folder + name
    }

    /// `payrun inbox ... --json` against the test's store.
    func inbox(_ arguments: [String]) async throws -> Any {
        let result = try await PayrunProcess.run(["inbox"] + arguments + ["--state", state, "--json"])
        try #require(result.status == 0, "\(result.standardError)")
        return try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8))
    }

    func events(_ arguments: [String] = []) async throws -> [[String: Any]] {
        try await inbox(["list", "--limit", "100000"] + arguments) as? [[String: Any]] ?? []
    }

    /// Particeep's signed headers for a DateTime `age` seconds ago.
    static func particeepHeaders(event: String = "transaction_created", age: Int = 0, secret: String = ParticeepSimulator.sandboxAPISecret) -> [(String, String)] {
        let formatter = ISO8601DateFormatter()
        let dateTime = formatter.string(from: Date().addingTimeInterval(-Double(age)))
        let authorization = ParticeepRequestSigner.authorization(key: ParticeepSimulator.sandboxAPIKey, secret: secret, dateTime: dateTime)
        return [("X-Particeep-Event", event), ("DateTime", dateTime), ("Authorization", authorization)]
    }

    static let recording = """
        payrun.on("particeep", "*", function(event) print("HANDLED " .. event.provider .. " " .. event.type .. " " .. event.attempt) end)
        payrun.on("tradevest", "*", function(event) print("HANDLED " .. event.provider .. " " .. event.type .. " " .. event.attempt) end)
        payrun.on("peex", "*", function(event) print("HANDLED " .. event.provider .. " " .. event.type .. " " .. event.attempt) end)
        """

    @Test func theSimulatorsWebhooksAreVerifiedStoredAndHandledAndForgeriesAreNot() async throws {
        // A credential of the operator's own (the sandbox's are public), for the body below.
        let listener = try ListenerProcess(
            handlers: try handlers(Self.recording), state: state, environment: ["PAYRUN_SANDBOX_PEEX_SECRET_KEY": "peex-key-of-our-own-7d3f"])
        for (provider, event) in [("particeep", "user_created"), ("tradevest", "TRANSFER_NOTIFICATION"), ("peex", "peex_callback")] {
            // Once: `run` sends twice, and a sample with the time in its body would be two events.
            let sent = try await PayrunProcess.runOnce(["sandbox", "trigger", provider, event, "--to", listener.url + "/webhooks/" + provider])
            #expect(sent.status == 0, "\(provider): \(sent.standardError)")
        }
        let body = Data(#"{"id": "tr_1", "amount": 100}"#.utf8)
        var forged = Self.particeepHeaders()
        forged[2].1 = String(forged[2].1.dropLast(2)) + "AA"
        let stale = Self.particeepHeaders(age: 600)
        let rejected: [(String, [(String, String)])] = [
            ("particeep", forged),
            ("particeep", stale),
            ("particeep", Self.particeepHeaders(secret: "not-the-secret")),
            ("peex", [("Authorization", "Basic " + Data("sandbox-peex:wrong-password".utf8).base64EncodedString())]),
            ("tradevest", [("api-key", "not-the-webhook-secret")]),
        ]
        // A second listener on the store given a file that is not there: the file is what is
        // said, not the store in use.
        let missing = try await PayrunProcess.runOnce(["listen", "/nonexistent/handlers.lua", "--port", "0", "--state", state])
        #expect(missing.status == 2)
        #expect(missing.standardError == "payrun: /nonexistent/handlers.lua cannot be used: cannot read /nonexistent/handlers.lua: No such file or directory\n",
                "\(missing.standardError)")
        // Nor a mistake in a file that is there.
        let broken = try await PayrunProcess.runOnce(["listen", try handlers("payrun.on('particeep', '*', function(event)\n  return\nend end", named: "broken.lua"), "--port", "0", "--state", state])
        #expect(broken.status != 0 && broken.standardError.contains("broken.lua cannot be used") && broken.standardError.contains(":3:")
                && !broken.standardError.contains("another payrun listen"), "\(broken.standardError)")
        for (provider, headers) in rejected {
            let status = await WebhookSender.post(listener.url + "/webhooks/" + provider, body: body, headers: headers)
            #expect(status == 401, "\(provider) \(headers.map(\.0)): answered \(status.map(String.init) ?? "nothing")")
        }
        await #expect(listener.waitForLog { $0.components(separatedBy: "HANDLED ").count - 1 == 3 })
        let stored = try await events()
        #expect(stored.count == 3, "only the verified events are stored: \(stored.map { "\($0["provider"] ?? "")/\($0["type"] ?? "") \($0["state"] ?? "")" }); log: \(listener.output)")
        #expect(Set(stored.compactMap { $0["state"] as? String }) == ["handled"])
        #expect(Set(stored.compactMap { $0["type"] as? String }) == ["user_created", "TRANSFER_NOTIFICATION", "paid"])
        let log = listener.output
        #expect(log.components(separatedBy: "(401)").count - 1 == 5, "\(log)")
        #expect(!log.contains("sandbox-tradevest-webhook") && !log.contains("not-the-webhook-secret") && !log.contains("tr_1") && !log.contains(stale[1].1),
                "no header value or body in the log")
        #expect(log.contains("rejected particeep: the DateTime header is more than 300 s from now"))
        let misspelt = try await PayrunProcess.run(["inbox", "list", "--provider", "peexx", "--state", state])
        #expect(misspelt.standardError.contains("(no event is from 'peexx': did you mean 'peex'?)"), "\(misspelt.standardError)")
        // The secret header is kept by name only.
        let shown = try await PayrunProcess.run(["inbox", "show", String(stored.first { $0["provider"] as? String == "tradevest" }?["id"] as? Int ?? 0), "--state", state])
        #expect(shown.standardOutput.contains("api-key: [redacted]") && !shown.standardOutput.contains("sandbox-tradevest-webhook"), "\(shown.standardOutput)")
        let health = await WebhookSender.get(listener.url + "/health")
        #expect(health?.status == 200 && health?.body.contains(#""rejected":5"#) == true)
        // A credential in a verified body (whoever put it there) is kept, shown and handled as
        // its marker: it was stored and printed as it came.
        let carrying = Data(#"{"type": "TRANSFER_NOTIFICATION", "note": "peex-key-of-our-own-7d3f"}"#.utf8)
        #expect(await WebhookSender.post(listener.url + "/webhooks/tradevest", body: carrying, headers: [("api-key", TradevestSimulator.sandboxWebhookSecret)]) == 200)
        let newest = try await events().compactMap { $0["id"] as? Int }.max() ?? 0
        let carried = try await PayrunProcess.run(["inbox", "show", String(newest), "--state", state])
        #expect(carried.standardOutput.contains("[redacted peex.secret_key]") && !carried.combined.contains("peex-key-of-our-own"), "\(carried.combined)")
        await #expect(listener.waitForLog { $0.components(separatedBy: "HANDLED ").count - 1 == 4 })
        #expect(!listener.output.contains("peex-key-of-our-own"))
        listener.stop()
        #expect(listener.output.contains("payrun listen: stopped"))
    }

    @Test func aRedeliveredEventIsAnsweredAgainButStoredAndHandledOnce() async throws {
        let listener = try ListenerProcess(handlers: try handlers(Self.recording), state: state)
        let body = Data(#"{"id": "usr_42", "email": "a@example.com"}"#.utf8)
        for _ in 0..<3 {
            let status = await WebhookSender.post(listener.url + "/webhooks/particeep", body: body, headers: Self.particeepHeaders(event: "user_updated"))
            #expect(status == 200)
        }
        await #expect(listener.waitForLog { $0.contains("handled (attempt 1") })
        try await Task.sleep(for: .milliseconds(500))
        await #expect(try events().count == 1)
        #expect(listener.output.components(separatedBy: "HANDLED particeep user_updated").count - 1 == 1, "\(listener.output)")
        #expect(listener.output.components(separatedBy: "duplicate (kept once)").count - 1 == 2)
        // The same body as another type (a deletion carrying the object it deleted) is another event.
        #expect(await WebhookSender.post(listener.url + "/webhooks/particeep", body: body, headers: Self.particeepHeaders(event: "user_deleted")) == 200)
        await #expect(listener.waitForLog { $0.contains("HANDLED particeep user_deleted") })
        await #expect(try events().count == 2)
        // A long type is cut in the list, where it widened every row, and kept whole.
        let long = String(repeating: "x", count: 60)
        #expect(await WebhookSender.post(listener.url + "/webhooks/particeep", body: body, headers: Self.particeepHeaders(event: long)) == 200)
        await #expect(listener.waitForLog { $0.contains("HANDLED particeep \(long)") })
        let listed = try await PayrunProcess.run(["inbox", "list", "--state", state]).standardOutput
        #expect(listed.contains(String(repeating: "x", count: 31) + "…") && !listed.contains(long), "\(listed)")
    }

    /// `--concurrency 2` claimed two events and ran their Lua one after the other, on the one
    /// thread every command had: a slow handler held up the next event all the same.
    @Test func withConcurrencyTwoASlowHandlerDoesNotHoldUpTheNextEvent() async throws {
        let file = try handlers("""
            payrun.on("particeep", "*", function(event)
              if event.body.slow then payrun.sleep(4) end
              print((event.body.slow and "SLOW" or "QUICK") .. " DONE")
            end)
            """)
        let listener = try ListenerProcess(handlers: file, state: state, arguments: ["--concurrency", "2"])
        #expect(await WebhookSender.post(listener.url + "/webhooks/particeep", body: Data(#"{"slow": true}"#.utf8), headers: Self.particeepHeaders()) == 200)
        try await Task.sleep(for: .milliseconds(300))
        #expect(await WebhookSender.post(listener.url + "/webhooks/particeep", body: Data(#"{"slow": false}"#.utf8), headers: Self.particeepHeaders(event: "user_updated")) == 200)
        await #expect(listener.waitForLog { $0.contains("QUICK DONE") }, "\(listener.output)")
        #expect(!listener.output.contains("SLOW DONE"), "the quick event was handled while the slow one slept: \(listener.output)")
        await #expect(listener.waitForLog { $0.contains("SLOW DONE") }, "\(listener.output)")
    }

    @Test func aHandlerThatFailsThreeTimesIsRetriedUntilItSucceeds() async throws {
        let file = try handlers("""
            payrun.on("particeep", "*", function(event)
              if event.attempt <= 3 then error("the ledger is not ready (attempt " .. event.attempt .. ")") end
              print("BOOKED on attempt " .. event.attempt)
            end)
            """)
        let listener = try ListenerProcess(handlers: file, state: state, arguments: ["--retry", "100ms,100ms,100ms,100ms"])
        #expect(await WebhookSender.post(listener.url + "/webhooks/particeep", body: Data("{}".utf8), headers: Self.particeepHeaders()) == 200)
        await #expect(listener.waitForLog { $0.contains("BOOKED on attempt 4") && $0.contains("handled (attempt 4") }, "\(listener.output)")
        let shown = try await inbox(["show", "1"]) as? [String: Any]
        let attempts = shown?["attempts_made"] as? [[String: Any]] ?? []
        #expect(attempts.compactMap { $0["outcome"] as? String } == ["failed", "failed", "failed", "handled"])
        #expect((attempts.first?["error"] as? String)?.contains("the ledger is not ready (attempt 1)") == true)
        #expect(shown?["state"] as? String == "handled")
    }

    /// A handler's payment whose answer was lost: the event waits for a person, every message on
    /// the way names the commands as they can be run (the event's own number, the store's whole
    /// path), and the replay after the word pays nobody twice.
    @Test func aHandlersPaymentInDoubtWaitsForAPersonAndIsReplayedOnceResolved() async throws {
        let sandbox = try SandboxProcess()
        try await sandbox.setFaults("PUT /particeep/v1/transaction: lose-answer")
        let file = try handlers("""
            payrun.on("particeep", "*", function(event)
              local paid = payrun.provider("particeep"):put("/transaction", { issuer_id = "usr_1", recipient_id = "usr_2", amount = 700, currency = "EUR" })
              print("PAID " .. paid.id)
            end)
            """)
        let listener = try ListenerProcess(
            handlers: file, state: state, arguments: ["--retry", "100ms,100ms"], environment: ["PAYRUN_SANDBOX_URL": sandbox.url])
        #expect(await WebhookSender.post(listener.url + "/webhooks/particeep", body: Data(#"{"n": 1}"#.utf8), headers: Self.particeepHeaders()) == 200)
        await #expect(listener.waitForLog { $0.contains("by replaying its event: `payrun inbox replay 1 --state \(state)`") }, "\(listener.output)")
        let shown = try await PayrunProcess.run(["inbox", "show", "1", "--state", state])
        let command = try #require(shown.standardOutput.firstMatch(of: /payrun runs resolve (r_[0-9a-f]+) (m_[0-9a-f]+) --applied ID/), "\(shown.standardOutput)")
        try await sandbox.setFaults("")
        // The lost answer was a payment made: the operator found it, and says so.
        let made = try #require(try sandbox.requests().last { $0["path"] as? String == "/particeep/v1/transaction" })
        #expect(made["fault"] as? String == "lose-answer")
        let resolved = try await PayrunProcess.run(["runs", "resolve", String(command.1), String(command.2), "--applied", "txn_found", "--state", state])
        #expect(resolved.standardOutput.contains("replay its event to resume its handler: `payrun inbox replay 1 --state \(state)`"), "\(resolved.combined)")
        let replayed = try await PayrunProcess.run(["inbox", "replay", "1", "--state", state])
        #expect(replayed.status == 0, "\(replayed.combined)")
        await #expect(listener.waitForLog { $0.contains("PAID txn_found") }, "\(listener.output)")
        let payments = try sandbox.requests().filter { $0["path"] as? String == "/particeep/v1/transaction" }
        #expect(payments.count == 1, "sent once, its answer lost; never again: \(payments.count)")
        listener.stop()
    }

    /// A handler that caught its payment's error ran to its end, and the event was called
    /// handled: nothing would ever settle the payment its run left in doubt. Now its attempt
    /// fails, and the next stops before the Particeep payment for a person: the event is dead.
    @Test func aHandlerThatCaughtItsPaymentInDoubtLeavesTheEventDead() async throws {
        let sandbox = try SandboxProcess()
        try await sandbox.setFaults("PUT /particeep/v1/transaction: lose-answer")
        let file = try handlers("""
            payrun.on("particeep", "*", function(event)
              local ok = pcall(function()
                return payrun.provider("particeep"):put("/transaction", { issuer_id = "usr_1", recipient_id = "usr_2", amount = 700, currency = "EUR" })
              end)
              print("CAUGHT " .. tostring(ok))
            end)
            """)
        let listener = try ListenerProcess(
            handlers: file, state: state, arguments: ["--retry", "100ms,100ms"], environment: ["PAYRUN_SANDBOX_URL": sandbox.url])
        #expect(await WebhookSender.post(listener.url + "/webhooks/particeep", body: Data(#"{"n": 1}"#.utf8), headers: Self.particeepHeaders()) == 200)
        await #expect(listener.waitForLog { $0.contains("dead after 2 attempt(s)") }, "\(listener.output)")
        #expect(listener.output.contains("CAUGHT false") && listener.output.contains("ended with 1 payment(s) in doubt")
                && listener.output.contains("failed (attempt 1") && listener.output.contains("particeep cannot be asked whether it arrived")
                && listener.output.contains("`payrun inbox replay 1 --state \(state)`"), "\(listener.output)")
        #expect(try await events(["--status", "dead"]).count == 1)
        listener.stop()
    }

    @Test func aHandlerThatAlwaysFailsEndsDeadAndIsReplayedAfterAFix() async throws {
        let file = try handlers(#"payrun.on("particeep", "*", function(event) error("bug in the handler") end)"#)
        let listener = try ListenerProcess(handlers: file, state: state, arguments: ["--retry", "100ms,100ms"])
        #expect(await WebhookSender.post(listener.url + "/webhooks/particeep", body: Data(#"{"n": 1}"#.utf8), headers: Self.particeepHeaders()) == 200)
        await #expect(listener.waitForLog { $0.contains("dead after 3 attempt(s)") }, "\(listener.output)")
        #expect(listener.output.contains("`payrun inbox replay 1 --state \(state)` after a fix"), "the command as it can be run: \(listener.output)")
        // A retry of a run that journaled nothing says nothing of resuming it.
        #expect(!listener.output.contains("resuming run"), "\(listener.output)")
        let dead = try await events(["--status", "dead"])
        #expect(dead.count == 1 && (dead.first?["last_error"] as? String)?.contains("bug in the handler") == true)
        // The fix: the file is read for every event.
        _ = try handlers(#"payrun.on("particeep", "*", function(event) print("FIXED " .. event.body.n) end)"#)
        let replayed = try await PayrunProcess.run(["inbox", "replay", "--dead", "--state", state])
        #expect(replayed.status == 0 && replayed.standardOutput.contains("replayed 1 event(s): 1; the payrun listen running on this store hands them over"),
                "\(replayed.combined)")
        await #expect(listener.waitForLog { $0.contains("FIXED 1") && $0.contains("handled (attempt 1") }, "\(listener.output)")
        await #expect(try events(["--status", "handled"]).count == 1)
        // A broad replay never takes a handled event: only its number does.
        let broad = try await PayrunProcess.run(["inbox", "replay", "--since", "1h", "--state", state])
        #expect(broad.status == 1 && broad.standardError.contains("no event was replayed")
                && broad.standardError.contains("a handled event is replayed only by its number"), "\(broad.standardError)")
        // Said why, as the event is now: it was said to be unknown or running.
        let handled = try await PayrunProcess.run(["inbox", "replay", "1", "7", "--dead", "--state", state])
        #expect(handled.status == 1 && handled.standardError.contains(
            "no event was replayed (1: handled, and --dead replays only dead events; 7: no such event)"), "\(handled.combined)")
        // With no listener, a replay says the events wait for one.
        listener.stop()
        let waiting = try await PayrunProcess.run(["inbox", "replay", "1", "--state", state])
        #expect(waiting.standardOutput.contains("no payrun listen is running on this store: they are handled when one starts"), "\(waiting.combined)")
    }

    @Test func aBodyOverTheCapIsRefusedAndASlowSenderIsCutOffWithoutStallingOthers() async throws {
        let listener = try ListenerProcess(handlers: try handlers(Self.recording), state: state, arguments: ["--head-timeout", "1s"])
        let large = Data(repeating: UInt8(ascii: "a"), count: (1 << 20) + 1)
        #expect(await WebhookSender.post(listener.url + "/webhooks/particeep", body: large, headers: Self.particeepHeaders()) == 413)
        let port = Int(listener.url.split(separator: ":").last!)!
        // A head that declares a body over the cap is answered at once, the body never sent.
        let declared = Task.detached { () -> String in
            guard let descriptor = loopbackConnection(to: port) else { return "" }
            defer { close(descriptor) }
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let head = Array("POST /webhooks/particeep HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n".utf8)
            _ = head.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            var answer = [UInt8](repeating: 0, count: 512)
            let count = recv(descriptor, &answer, answer.count, 0)
            return count > 0 ? String(decoding: answer.prefix(count), as: UTF8.self) : ""
        }
        let answer = await declared.value
        #expect(answer.hasPrefix("HTTP/1.1 413"), "within 2 s, before any body: \(answer)")
        // A sender trickling its head a byte at a time, for longer than the head may take.
        let trickle = Task.detached { () -> (closed: Bool, seconds: Double) in
            guard let descriptor = loopbackConnection(to: port) else { return (false, 0) }
            defer { close(descriptor) }
            let start = Date()
            for byte in Array("POST /webhooks/particeep HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: 40) {
                var byte = byte
                if send(descriptor, &byte, 1, Int32(MSG_NOSIGNAL)) <= 0 { return (true, Date().timeIntervalSince(start)) }
                usleep(100_000)
            }
            return (false, Date().timeIntervalSince(start))
        }
        try await Task.sleep(for: .milliseconds(300))
        // Meanwhile another sender is served at once.
        #expect(await WebhookSender.post(listener.url + "/webhooks/particeep", body: Data("{}".utf8), headers: Self.particeepHeaders()) == 200)
        let (closed, seconds) = await trickle.value
        #expect(closed, "the trickling sender was never cut off")
        #expect(seconds < 3.5, "cut off after \(seconds) s, not about 1 s")
        await #expect(try events().count == 1)
    }

    /// A second Ctrl-C while the handlers had their grace was ignored: the listener waited out
    /// the whole grace, saying nothing.
    @Test func aSecondCtrlCStopsTheRunningHandlersAtOnce() async throws {
        let file = try handlers("""
            payrun.on("particeep", "*", function(event)
              print("STARTED")
              payrun.sleep(30)
              print("DONE")
            end)
            """)
        let listener = try ListenerProcess(handlers: file, state: state, arguments: ["--grace", "30s"])
        #expect(await WebhookSender.post(listener.url + "/webhooks/particeep", body: Data(#"{"n": 1}"#.utf8), headers: Self.particeepHeaders()) == 200)
        await #expect(listener.waitForLog { $0.contains("STARTED") })
        kill(listener.process.processIdentifier, SIGINT)
        await #expect(listener.waitForLog { $0.contains("(Ctrl-C again stops them now)") }, "\(listener.output)")
        // A load balancer stops sending to a listener that is going away.
        let health = await WebhookSender.get(listener.url + "/health")
        #expect(health?.status == 503 && health?.body.contains(#""status":"stopping""#) == true, "\(String(describing: health))")
        let again = Date()
        kill(listener.process.processIdentifier, SIGINT)
        await #expect(listener.waitForLog { $0.contains("payrun listen: stopped") }, "\(listener.output)")
        #expect(Date().timeIntervalSince(again) < 10, "stopped at once, not after the 30 s grace")
        #expect(listener.output.contains("stopping: 1 handler(s) stopped (asked again); their events are due again at the next start"), "\(listener.output)")
        #expect(!listener.output.contains("DONE"))
        listener.process.waitUntilExit()
        await #expect(try events(["--status", "retrying"]).count == 1, "the event is due again")
    }

    @Test func sigtermLetsRunningHandlersFinishWithinTheGraceAndLeavesTheRestForTheNextStart() async throws {
        let file = try handlers("""
            payrun.on("particeep", "*", function(event)
              print("STARTED " .. event.body.n)
              payrun.sleep(event.body.seconds)
              print("DONE " .. event.body.n)
            end)
            """)
        var listener = try ListenerProcess(handlers: file, state: state, arguments: ["--grace", "5s"])
        for n in 1...3 {
            let body = Data(#"{"n": \#(n), "seconds": 1}"#.utf8)
            #expect(await WebhookSender.post(listener.url + "/webhooks/particeep", body: body, headers: Self.particeepHeaders()) == 200)
        }
        await #expect(listener.waitForLog { $0.contains("STARTED 1") })
        listener.stop()
        #expect(listener.output.contains("DONE 1") && listener.output.contains("payrun listen: stopped"), "\(listener.output)")
        #expect(!listener.output.contains("STARTED 2"), "no new handler starts after SIGTERM")
        await #expect(try events(["--status", "handled"]).count == 1)
        await #expect(try events(["--status", "received"]).count == 2)

        // A handler that outlasts the grace is stopped; its event is due again, its attempt not counted.
        let body = Data(#"{"n": 4, "seconds": 30}"#.utf8)
        listener = try ListenerProcess(handlers: file, state: state, arguments: ["--grace", "200ms"])
        await #expect(listener.waitForLog { $0.contains("DONE 2") && $0.contains("DONE 3") }, "\(listener.output)")
        #expect(await WebhookSender.post(listener.url + "/webhooks/particeep", body: body, headers: Self.particeepHeaders()) == 200)
        await #expect(listener.waitForLog { $0.contains("STARTED 4") })
        let stopping = Date()
        listener.stop()
        #expect(Date().timeIntervalSince(stopping) < 10, "the grace is 200 ms")
        #expect(listener.output.contains("interrupted: the listener is stopping"), "\(listener.output)")
        let waiting = try await events(["--status", "retrying"])
        let all = try await events()
        #expect(waiting.count == 1 && waiting.first?["attempts"] as? Int == 0, "\(all) \(listener.output)")
        // Listed as what happened to it, not as a failure due again at the time it was received.
        let listed = try await PayrunProcess.run(["inbox", "list", "--state", state])
        let row = listed.standardOutput.split(separator: "\n").first { $0.contains("interrupted") }
        #expect(row?.contains("interrupted, due now") == true && listed.standardOutput.contains("retrying") == false, "\(listed.standardOutput)")
        let shown = try await PayrunProcess.run(["inbox", "show", String(waiting.first?["id"] as? Int ?? 0), "--state", state])
        #expect(shown.standardOutput.hasPrefix("event ") && shown.standardOutput.split(separator: "\n").first?.hasSuffix(", interrupted, due now") == true, "\(shown.standardOutput)")
        // The attempt cut short is not counted: the next one has its number too.
        #expect(shown.standardOutput.contains("  1. (not counted) "), "\(shown.standardOutput)")
    }

    @Test func whileTheStoreCannotWriteEventsAreAnswered503AndStoredOnceItCan() async throws {
        let folder = try RunsCommandTests.mountTmpfs(size: "8m")
        defer { _ = try? RunsCommandTests.shell("umount \(folder)") }
        let state = folder + "/state.db"
        let listener = try ListenerProcess(handlers: try handlers(Self.recording), state: state)
        #expect(await WebhookSender.post(listener.url + "/webhooks/particeep", body: Data(#"{"n": 1}"#.utf8), headers: Self.particeepHeaders()) == 200)
        _ = try RunsCommandTests.shell("dd if=/dev/zero of=\(folder)/filler bs=64k count=200 2>/dev/null")
        let large = Data(("{\"n\": 2, \"pad\": \"" + String(repeating: "x", count: 200_000) + "\"}").utf8)
        #expect(await WebhookSender.post(listener.url + "/webhooks/particeep", body: large, headers: Self.particeepHeaders()) == 503)
        // Logged before the answer went out, but read from the listener's pipe a moment later.
        await #expect(listener.waitForLog { $0.contains("(503: the provider will send it again)") }, "\(listener.output)")
        let health = await WebhookSender.get(listener.url + "/health")
        #expect(health?.status == 503 && health?.body.contains("inbox unavailable") == true, "a load balancer sees it")
        try FileManager.default.removeItem(atPath: folder + "/filler")
        // The provider sends it again; now it is kept, and handled.
        #expect(await WebhookSender.post(listener.url + "/webhooks/particeep", body: large, headers: Self.particeepHeaders()) == 200)
        await #expect(listener.waitForLog { $0.components(separatedBy: "HANDLED particeep").count - 1 == 2 }, "\(listener.output)")
        listener.stop()
    }

    @Test func anEventStoredAfterIts503IsSaidToBeAndHandled() async throws {
        // Another process holds the database past the listener's 3 s (for 8 s, so that a slow
        // minute still sees the 503): the provider is answered 503, and the write goes on. Stored after all, the log and /health say so.
        let listener = try ListenerProcess(handlers: try handlers(Self.recording), state: state)
        #expect(await WebhookSender.post(listener.url + "/webhooks/particeep", body: Data(#"{"n": 1}"#.utf8), headers: Self.particeepHeaders()) == 200)
        let locker = Process()
        locker.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        locker.arguments = ["python3", "-c", """
            import sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], isolation_level=None); c.execute("BEGIN EXCLUSIVE"); print("held", flush=True); time.sleep(8); c.execute("COMMIT")
            """, state]
        let held = Pipe()
        locker.standardOutput = held
        try locker.run()
        _ = held.fileHandleForReading.availableData  // "held"
        #expect(await WebhookSender.post(listener.url + "/webhooks/particeep", body: Data(#"{"n": 2}"#.utf8), headers: Self.particeepHeaders()) == 503)
        locker.waitUntilExit()
        await #expect(listener.waitForLog(20) { $0.contains("event 2 particeep/") && $0.contains("received after all") }, "\(listener.output)")
        await #expect(listener.waitForLog(20) { $0.components(separatedBy: "HANDLED particeep").count - 1 == 2 }, "handled all the same: \(listener.output)")
        let health = await WebhookSender.get(listener.url + "/health")
        #expect(health?.body.contains("\"stored\":2") == true, "\(health?.body ?? "")")
        listener.stop()
    }

    @Test func theWholeLoopOnOneMachineAFailedPeexPayoutIsReportedAndRetriedOnce() async throws {
        let port = loopbackFreePort()
        let sandbox = try SandboxProcess(arguments: ["--webhooks-to", "http://127.0.0.1:\(port)"])
        let environment = ["PAYRUN_SANDBOX_URL": sandbox.url]
        let listener = try ListenerProcess(
            handlers: "scripts/examples/handlers.lua", state: state, port: port, environment: environment)
        let pay = try handlers("""
            payrun.provider("peex"):request_payment({
              track_id = "LOOP-1", amount = 5000, from_currency = "XAF", to_currency = "XAF", mobile_phone = "+237677100001",
              aml_cft = true, to_country = "CM", first_name = "Ama", last_name = "Njoh", purpose = "family support", fund_origin = "salary",
              sender_mobile_phone = "+33612345678", sender_country = "FR", sender_first_name = "Payrun", sender_last_name = "Ops" })
            """, named: "pay.lua")
        let paid = try await PayrunProcess.runOnce(["run", pay], environment: environment)
        #expect(paid.status == 0, "\(paid.standardError)")
        await #expect(listener.waitForLog(30) { $0.contains("REPORT peex payout LOOP-1-retry") && $0.components(separatedBy: "handled (attempt").count - 1 == 2 }, "\(listener.output)")
        #expect(listener.output.contains("RETRY  peex payout LOOP-1 sent again as LOOP-1-retry"))
        let found = try await PayrunProcess.runOnce(
            ["run", "-e", #"local p = payrun.provider("peex") print(p:find("LOOP-1-retry") ~= nil, p:find("LOOP-1-retry-retry") ~= nil)"#],
            environment: environment)
        #expect(found.standardOutput == "true\tfalse\n", "the retry was sent once, and not retried again: \(found.standardError)")
        listener.stop()
    }

    /// 5,000 events from 8 senders while the listener is killed with SIGKILL and started again
    /// twice: every event answered 2xx is handled, and its Tradevest transfer made exactly once.
    @Test func fiveThousandEventsThroughTwoKillsAreEachHandledAndPaidOnce() async throws {
        let payouts = try await PayoutHandlers(folder: folder)
        let (file, environment) = (payouts.file, payouts.environment)
        let port = loopbackFreePort()
        let arguments = ["--concurrency", "4", "--retry", "200ms,200ms,200ms,200ms,200ms"]
        var listener = try ListenerProcess(handlers: file, state: state, port: port, arguments: arguments, environment: environment)
        let url = "http://127.0.0.1:\(port)/webhooks/particeep"
        let total = 5000
        let answered = Answered()
        let senders = WebhookSender.burst(
            total: total, senders: 8, urls: Locked([url]), answered: answered, body: PayoutHandlers.body,
            headers: { ListenTests.particeepHeaders() })
        var takenBack = 0
        for threshold in [1500, 3500] {
            while answered.count < threshold { try await Task.sleep(for: .milliseconds(20)) }
            listener.kill()
            try await Task.sleep(for: .milliseconds(300))
            listener = try ListenerProcess(handlers: file, state: state, port: port, arguments: arguments, environment: environment)
            if await listener.waitForLog(10, until: { $0.contains("a stopped listener was handling are due again") }) { takenBack += 1 }
        }
        // The handlers lag behind the senders: each kill lands while handlers run.
        #expect(takenBack == 2, "a kill did not interrupt any handler")
        for sender in senders { await sender.value }
        #expect(answered.count == total, "every event is answered 2xx in the end")
        var handled = 0
        let deadline = Date().addingTimeInterval(240)
        while Date() < deadline {
            handled = try await events(["--status", "handled"]).count
            if handled == total { break }
            try await Task.sleep(for: .seconds(1))
        }
        let others = try await events().filter { $0["state"] as? String != "handled" }
        #expect(handled == total, "\(handled) handled; not handled: \(others.prefix(5))")
        let paid = try await payouts.transfers()
        #expect(paid.count == total, "\(paid.count) events paid")
        #expect(paid.filter { $0.value.count != 1 }.isEmpty, "paid twice: \(paid.filter { $0.value.count != 1 }.prefix(5))")
        listener.stop()
    }
}

/// A count shared by the sender tasks.
final class Answered: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    var count: Int { lock.withLock { value } }
    func add() { lock.withLock { value += 1 } }
}
