// A provider declared in Lua, used the way a user would: `providers/acmepay.lua` next to a script,
// listed by `payrun providers`, reached by `payrun run` against a Stripe-style API on loopback, its
// key never shown; Standard Webhooks received by `payrun listen` for a declared provider; and a durable run of charges killed with SIGKILL at the worst moments and
// resumed: every charge made exactly once, because the resumed run sends the same
// Idempotency-Key the crashed one did.
import Crypto
import Foundation
import PayrunTestSupport
import Testing

@Suite(.serialized) struct DeclaredProviderTests {
    /// The Stripe-style key for the test environment, given as a variable: never in a file,
    /// never to be printed.
    static let environment = ["PAYRUN_TEST_ACMEPAY_SECRET_KEY": CardAPIServer.secretKey, "PAYRUN_CONFIG": "/nonexistent"]

    /// A folder with `providers/acmepay.lua` (the shipped definition, its test environment
    /// pointed at `server`) and `script` as `charge.lua`.
    static func folder(server: CardAPIServer, script: String) throws -> String {
        let folder = TestFiles.path("payrun-declared")
        try FileManager.default.createDirectory(atPath: folder + "/providers", withIntermediateDirectories: true)
        let shipped = try String(contentsOf: PayrunProcess.packageRoot.appendingPathComponent("scripts/providers/acmepay.lua"), encoding: .utf8)
        let pointed = shipped.replacingOccurrences(of: "    test = \"https://api.acmepay.example/v1\",", with: "    test = \"\(server.baseURL)\",")
        #expect(pointed != shipped)
        try pointed.write(toFile: folder + "/providers/acmepay.lua", atomically: true, encoding: .utf8)
        try script.write(toFile: folder + "/charge.lua", atomically: true, encoding: .utf8)
        return folder
    }

    @Test func aDefinitionNextToTheScriptIsListedAndUsedAndItsKeyNeverShows() async throws {
        let server = try await CardAPIServer.start(charges: 120)
        let folder = try Self.folder(server: server, script: """
            local p = payrun.provider("acmepay")
            local charge = p:post("/charges", { amount = 1250, currency = "eur", description = "order-1" })
            print(charge.id, charge.amount)
            local count = 0
            for _ in p:paginate("/charges", { limit = 50 }) do count = count + 1 end
            print(count)
            local ok, err = pcall(p.post, p, "/charges", { amount = 4000 })
            print(ok, err.status, err.code, err.message)
            local signed = p:sign{ method = "POST", path = "/charges", body = { amount = 1 } }
            print(signed.headers.Authorization, signed.headers["Idempotency-Key"])
            p:request{ method = "POST", path = "/charges", body = { amount = 7 }, headers = { ["Idempotency-Key"] = "order-own-1" } }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let listed = try await PayrunProcess.runOnce(["providers", folder + "/charge.lua"], environment: Self.environment)
        #expect(listed.status == 0, "\(listed.standardError)")
        #expect(listed.standardOutput.contains("acmepay     \(folder)/charge.lua".replacingOccurrences(of: "charge.lua", with: "providers/acmepay.lua")), "\(listed.standardOutput)")
        #expect(listed.standardOutput.contains("particeep   built in"))
        let result = try await PayrunProcess.runOnce(["run", "--env", "test", folder + "/charge.lua"], environment: Self.environment)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == """
            ch_0121\t1250
            121
            false\t402\tcard_declined\tYour card was declined.
            [redacted: added by payrun when sent]	[redacted: added by payrun when sent]

            """)
        #expect(server.requests.last?.headers["idempotency-key"] == "order-own-1", "the script's own key is the one sent")
        #expect(!result.standardOutput.contains(CardAPIServer.secretKey) && !result.standardError.contains(CardAPIServer.secretKey))
        #expect(server.requests.filter { $0.method == "POST" }.allSatisfy { $0.headers["idempotency-key"]?.isEmpty == false })
        await server.stop()
    }

    @Test func aBrokenDefinitionStopsTheRunNamingItsFileAndField() async throws {
        let server = try await CardAPIServer.start()
        let folder = try Self.folder(server: server, script: "print('never')")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try #"return { name = "ledger", base_url = { live = "https://ledger.example" }, auth = { kind = "bearer", credential = "token" } }"#
            .write(toFile: folder + "/providers/ledger.lua", atomically: true, encoding: .utf8)
        let result = try await PayrunProcess.runOnce(["run", "--env", "test", folder + "/charge.lua"], environment: Self.environment)
        #expect(result.status == 2)
        #expect(result.standardError.contains("\(folder)/charge.lua".replacingOccurrences(of: "charge.lua", with: "providers/ledger.lua")
            + ": auth.credential: \"token\" is not declared: the definition has no credentials list; add credentials = { \"token\" }"),
            "\(result.standardError)")
        #expect(!result.standardError.contains("Usage:"), "a definition's mistake is not a usage error")
        #expect(result.standardOutput.isEmpty)
        await server.stop()
    }

    @Test func declaredChargesKilledAtEachPointAreMadeExactlyOnce() async throws {
        let server = try await CardAPIServer.start()
        let folder = try Self.folder(server: server, script: """
            local p = payrun.provider("acmepay")
            for i = 1, 20 do
              p:post("/charges", { amount = 100 + i, currency = "eur", description = string.format("order-%02d", i) })
            end
            print("20 charged")
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var environment = Self.environment
        environment["PAYRUN_STATE"] = folder + "/state.db"
        let arguments = ["run", "--env", "test", folder + "/charge.lua"]
        func run(crash: String?) async throws -> PayrunProcess.Result {
            var environment = environment
            environment["PAYRUN_TEST_CRASH"] = crash
            return try await PayrunProcess.runOnce(arguments, environment: environment)
        }
        // Killed after the first charge's intent is on disk, before it is sent; then between a
        // later intent and its sending; then after an answer came, before it was journaled.
        for crash in ["after-intent:1", "after-intent:4", "after-answer:3"] {
            let result = try await run(crash: crash)
            #expect(result.status == SIGKILL, "\(crash): \(result.standardError)")
        }
        // Killed while the API, having made a charge, holds its answer back.
        server.holdNextCreateAfterApplying()
        let posts = server.requests.filter { $0.method == "POST" }.count
        let process = try PayrunProcess.start(arguments, environment: environment)
        for _ in 0..<500 where server.requests.filter({ $0.method == "POST" }).count == posts && process.isRunning {
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(100))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        // Resumed to the end.
        let last = try await run(crash: nil)
        #expect(last.status == 0, "\(last.standardError)")
        #expect(last.standardError.contains("payrun: resuming run r_"), "\(last.standardError)")
        #expect(last.standardOutput == "20 charged\n")

        let descriptions = server.charges.compactMap { $0["description"] as? String }
        #expect(descriptions == (1...20).map { String(format: "order-%02d", $0) }, "each charge made once, in order")
        let keys = Dictionary(grouping: server.requests.filter { $0.method == "POST" }, by: { $0.headers["idempotency-key"] ?? "" })
        #expect(keys.count == 20, "one key per charge, the same on every attempt: \(keys.keys.sorted())")
        #expect(server.requests.filter { $0.method == "POST" }.count > 20, "some charges were sent again after a crash")
        await server.stop()
    }

    /// In `sandbox`, with payrun's simulators inside the process, a run that paid a declared
    /// provider's own fake (`base_url.sandbox`) is resumed when killed: the fake's state outlives
    /// the process. It started afresh, and charged again with a new key.
    @Test func aKilledSandboxRunOnAFakeOfOnesOwnIsResumedNotStartedAfresh() async throws {
        let server = try await CardAPIServer.start()
        let folder = try Self.folder(server: server, script: """
            payrun.provider("acmepay"):post("/charges", { amount = 101, currency = "eur", description = "order-01" })
            print("charged")
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let definition = folder + "/providers/acmepay.lua"
        let text = try String(contentsOfFile: definition, encoding: .utf8)
        let sandboxed = text.replacingOccurrences(of: "    test = \"\(server.baseURL)\",", with: "    test = \"\(server.baseURL)\",\n    sandbox = \"\(server.baseURL)\",")
        #expect(sandboxed != text)
        try sandboxed.write(toFile: definition, atomically: true, encoding: .utf8)
        let environment = ["PAYRUN_SANDBOX_ACMEPAY_SECRET_KEY": CardAPIServer.secretKey, "PAYRUN_CONFIG": "/nonexistent", "PAYRUN_STATE": folder + "/state.db"]
        var crashing = environment
        crashing["PAYRUN_TEST_CRASH"] = "after-answer:1"
        let killed = try await PayrunProcess.runOnce(["run", folder + "/charge.lua"], environment: crashing)
        #expect(killed.status == SIGKILL, "\(killed.standardError)")
        let resumed = try await PayrunProcess.runOnce(["run", folder + "/charge.lua"], environment: environment)
        #expect(resumed.status == 0 && resumed.standardOutput == "charged\n", "\(resumed.standardError)")
        #expect(resumed.standardError.contains("payrun: resuming run r_") && !resumed.standardError.contains("starting afresh"), "\(resumed.standardError)")
        #expect(server.charges.count == 1, "charged once: \(server.charges.count)")
        await server.stop()
    }

    @Test func payrunListenVerifiesAndHandlesADeclaredProvidersStandardWebhooks() async throws {
        let folder = TestFiles.path("payrun-declared-listen")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/providers", withIntermediateDirectories: true)
        try """
            return {
              name = "hooks",
              base_url = { live = "https://api.hooks.example" },
              credentials = { "signing_secret" },
              webhooks = { kind = "standard", secret = "signing_secret" },
            }
            """.write(toFile: folder + "/providers/hooks.lua", atomically: true, encoding: .utf8)
        try #"payrun.on("hooks", "*", function(event) print("HANDLED " .. event.provider .. " " .. event.type .. " " .. event.id) end)"#
            .write(toFile: folder + "/handlers.lua", atomically: true, encoding: .utf8)
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let listener = try ListenerProcess(
            handlers: folder + "/handlers.lua", state: folder + "/state.db",
            environment: ["PAYRUN_SANDBOX_HOOKS_SIGNING_SECRET": secret, "PAYRUN_CONFIG": "/nonexistent"])
        let body = Data(#"{"type":"payout.failed","data":{"payout":"po_1"}}"#.utf8)
        func headers(id: String, key: String = secret) -> [(String, String)] {
            let timestamp = String(Int(Date().timeIntervalSince1970))
            let keyBytes = Data(base64Encoded: String(key.dropFirst("whsec_".count)))!
            let mac = HMAC<SHA256>.authenticationCode(for: Data("\(id).\(timestamp).".utf8) + body, using: SymmetricKey(data: keyBytes))
            return [("webhook-id", id), ("webhook-timestamp", timestamp), ("webhook-signature", "v1," + Data(mac).base64EncodedString())]
        }
        let url = listener.url + "/webhooks/hooks"
        #expect(await WebhookSender.post(url, body: body, headers: headers(id: "msg_1")) == 200)
        #expect(await WebhookSender.post(url, body: body, headers: headers(id: "msg_1")) == 200, "a redelivery is answered again")
        #expect(await WebhookSender.post(url, body: body, headers: headers(id: "msg_2", key: "whsec_c29tZW9uZSBlbHNlJ3Mga2V5")) == 401)
        await #expect(listener.waitForLog { $0.contains("HANDLED hooks payout.failed msg_1") })
        try await Task.sleep(for: .milliseconds(300))
        listener.stop()
        #expect(listener.output.components(separatedBy: "HANDLED ").count - 1 == 1, "stored and handled once: \(listener.output)")
        #expect(!listener.output.contains(secret))
        #expect(!listener.output.contains("cannot be verified"))
        // Without the secret, the listener says so when it starts, not only at each refusal.
        let unconfigured = try ListenerProcess(
            handlers: folder + "/handlers.lua", state: folder + "/state2.db", environment: ["PAYRUN_CONFIG": "/nonexistent"])
        unconfigured.stop()
        #expect(unconfigured.output.contains(
            "payrun listen: hooks's webhooks cannot be verified without hooks.signing_secret in sandbox: set it with "
                + "`payrun credentials set hooks.signing_secret --env sandbox`; until then each is answered 401"), "\(unconfigured.output)")
    }
}
