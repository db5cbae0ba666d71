// Peex from Lua against its simulator over loopback HTTP: the secret key never shown, payments
// checked before they leave, each status path, a lost answer looked up by track_id instead of
// paying twice, and callbacks with their Basic credentials verified. Each test runs with the
// built-in provider and with docs/examples/providers/peex.lua.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PayrunFormats
import PayrunRuntime
import PayrunSimulators
import PayrunProviders
import PayrunTestSupport
import Testing

extension ProviderScriptTests {
    static let peexPayment = """
        local function payment(track_id, phone, amount)
          return { track_id = track_id, mobile_phone = phone, amount = amount or 1000, from_currency = "XAF", aml_cft = true,
            first_name = "Ama", last_name = "Njoh", to_country = "CM", sender_mobile_phone = "+33612345678",
            sender_country = "FR", purpose = "family support", fund_origin = "salary" }
        end
        """

    func withPeex(_ adjust: (inout SimulatorServer.Configuration) -> Void = { _ in }, _ body: (SimulatorServer) async throws -> Void) async throws {
        var configuration = SimulatorServer.Configuration()
        configuration.particeep.users = 1
        configuration.particeep.transactions = 1
        configuration.peex.processingDelay = .milliseconds(20)
        configuration.webhooks.firstRetryDelay = .milliseconds(20)
        adjust(&configuration)
        try await SimulatorFixture.with(configuration, body)
    }

    @Test(arguments: ProviderImplementation.allCases)
    func peexPaymentsFollowTheirStatusesAndTheSecretNeverShows(_ implementation: ProviderImplementation) async throws {
        let registry = implementation.registry(replacing: "peex")
        try await withPeex({ $0.peex.maxAmount = 120_000; $0.peex.solde = 100_000 }) { server in
            let (status, output) = await run(Self.peexPayment + "\n" + """
                local p = payrun.provider("peex")
                print(p:get("/clients/me").solde)
                for _, case in ipairs({ { "paid-1", "+237677000001" }, { "failed-1", "+237677100001" }, { "rejected-1", "+237699100001" } }) do
                  p:request_payment(payment(case[1], case[2]))
                end
                for _, track in ipairs({ "paid-1", "failed-1", "rejected-1" }) do
                  local request = p:wait_for(track, { timeout = 10 })
                  print(track, request.status, request.payment_proof, p:is_final(request.status))
                end
                p:request_payment(payment("pending-1", "+237699000001"))
                local still, why = p:wait_for("pending-1", { timeout = 0.3 })
                print(still, why:match("^still %a+ after 0.3 s$") ~= nil)
                print(p:request_payment(payment("big-1", "+237677000001", 130000)).status)
                print(p:request_payment(payment("short-1", "+237677000001", 110000)).status)
                print(p:request_payment(payment("paid-1", "+237677000001")).status, "the same track_id is the same request")
                print(p:get("/clients/me").solde)
                local signed = p:sign{ path = "/clients/me" }
                print(signed.headers.SECRETKEY)
                print(select(2, pcall(p.request_payment, p, payment("x", "677000001"))))
                local bad = payment("y", "+237677000001")
                bad.aml_cft, bad.from_currency, bad.to_country = nil, "xaf", "Cameroon"
                print(select(2, pcall(p.request_payment, p, bad)))
                print(select(2, pcall(p.request_payment, p, payment("z", "+237611111111"))).status)
                print(select(2, pcall(p.find, p, "other-1")).status, p:find("nobody"))
                """, server: server, registry: registry)
            #expect(status == .success, "\(output.standardError)")
            let lines = output.standardOutput.split(separator: "\n").map(String.init)
            #expect(lines == [
                "100000.0",
                "paid-1\tpaid\tnull\ttrue",
                "failed-1\tfailed\tMOBILE_WALLET_UNREACHABLE\ttrue",
                "rejected-1\trejected\tAMOUNT_EXCEED_THRESHOLD\ttrue",
                "nil\ttrue",
                "max_amount",
                "balance_pending",
                "paid\tthe same track_id is the same request",
                "99000.0",
                "[redacted: added by payrun when sent]",
                "peex: invalid_payment: request_payment not sent: mobile_phone must be an E.164 number like +237677000001, not 677000001",
                "peex: invalid_payment: request_payment not sent: aml_cft must be true: Peex refuses a payment without the AML/CFT confirmation; "
                    + "from_currency must be an upper-case ISO 4217 code like XAF; to_country must be an upper-case ISO 3166 alpha-2 code like CM",
                "404",
                "422\tnil",
            ])
            #expect(!output.standardOutput.contains(PeexSimulator.sandboxSecretKey))
            _ = server
        }
    }

    @Test(arguments: ProviderImplementation.allCases)
    func aMisspeltPeexFieldIsNamedAndNothingIsPaid(_ implementation: ProviderImplementation) async throws {
        // `to_currncy` would be dropped by Peex, and the payment made in its default currency.
        let registry = implementation.registry(replacing: "peex")
        try await withPeex { server in
            let (status, output) = await run(Self.peexPayment + "\n" + """
                local p = payrun.provider("peex")
                local misspelt = payment("typo-1", "+237677000001")
                misspelt.to_currncy = "EUR"
                print(select(2, pcall(p.request_payment, p, misspelt)))
                print(select(2, pcall(p.wait_for, p, "typo-1", { timeot = 0.01 })))
                print(select(2, p:tryrequest{ path = "/clients/mee" }).message)
                """, server: server, registry: registry)
            #expect(status == .success, "\(output.standardError)")
            var lines = output.standardOutput.split(separator: "\n").map(String.init)
            if implementation == .swift {
                // A path Peex does not have is not "an unknown beneficiary".
                #expect(lines.last?.hasPrefix("not found") == true && lines.last?.contains("beneficiary") == false, "\(lines)")
            }
            lines.removeLast()
            #expect(lines.first?.hasPrefix("peex: invalid_payment: request_payment not sent: unknown field 'to_currncy' (") == true, "\(lines)")
            #expect(lines.last?.hasSuffix("bad argument #2 to 'wait_for' (unknown field 'timeot' (the fields are timeout))") == true, "\(lines)")
            #expect(!server.requests.all.contains { $0.path.hasSuffix("/request_payment") }, "nothing was paid")
        }
    }

    @Test(arguments: ProviderImplementation.allCases)
    func aPeexPaymentWhoseAnswerWasLostIsLookedUpNotSentTwice(_ implementation: ProviderImplementation) async throws {
        let provider = implementation.provider("peex")
        var settings = HTTPSettings()
        settings.readTimeout = .seconds(2)
        // Once the client gives up on a payment's answer, the fault is lifted.
        let lifter = FaultLifter(when: "/clients/request_payment")
        try await withPeex { server in
            lifter.watch(server)
            try await SimulatorFixture.with(settings) { transport in
                let client = try ProviderClient(
                    provider: provider, environment: .sandbox,
                    credentials: ProviderCredentials(for: provider, in: .sandbox, from: MemoryCredentialStore()),
                    http: ProviderHTTPClient(transport: transport, trace: lifter.trace), sandboxServer: server.baseURL)
                func payment(_ track: String) -> JSONValue {
                    .object([
                        "track_id": .string(track), "mobile_phone": .string("+237677000001"), "amount": .integer(1000),
                        "from_currency": .string("XAF"), "aml_cft": .bool(true), "first_name": .string("Ama"), "last_name": .string("Njoh"),
                        "to_country": .string("CM"), "sender_mobile_phone": .string("+33612345678"), "sender_country": .string("FR"),
                        "purpose": .string("family"), "fund_origin": .string("salary"),
                    ])
                }
                // Processed, answered too slowly: found by its track_id, not requested again.
                server.faults.replace(with: try FaultPlan(parsing: "POST /peex/api/v3/clients/request_payment: slow=32s"))
                let lost = try await client.request("POST", "/clients/request_payment", body: payment("lost-1"))
                #expect(lost.alreadyAccepted)
                #expect(lost.result["request"]?["track_id"] == .string("lost-1"))
                // Dropped before it was processed: not found, so sent once more.
                server.faults.replace(with: try FaultPlan(parsing: "POST /peex/api/v3/clients/request_payment: drop"))
                let dropped = try await client.request("POST", "/clients/request_payment", body: payment("dropped-1"))
                #expect(!dropped.alreadyAccepted && dropped.result["request"]?["track_id"] == .string("dropped-1"))
                #expect(dropped.attempts == 2, "the attempt that was dropped counts")
                #expect(lost.attempts == 1)
                let posts = server.requests.all.filter { $0.method == "POST" }
                #expect(posts.count == 3, "lost-1 once, dropped-1 twice")
                let all = try await client.request("GET", "/clients/all_requests")
                guard case .array(let requests) = all.result else { Issue.record("not a list"); return }
                #expect(requests.compactMap { $0["track_id"]?.string }.sorted() == ["dropped-1", "lost-1"], "each paid once")
            }
        }
    }

    @Test func aPeexListWithNothingInItIsPagedAsEmpty() async throws {
        // Peex answers 404 for `clients/all_requests` when there is no request to list: a loop
        // over it runs no times, where a lookup of one track_id still says it is not there.
        try await withPeex { server in
            let (status, output) = await run("""
                local p = payrun.provider("peex")
                local n = 0
                for _ in p:paginate("/clients/all_requests", { track_id = "NOPE-1" }) do n = n + 1 end
                for _ in p:paginate("/clients/all_requests") do n = n + 1 end
                local ok, err = pcall(p.get, p, "/clients/all_requests", { track_id = "NOPE-1" })
                print(n, ok, err.status)
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            #expect(output.standardOutput == "0\tfalse\t404\n")
        }
    }

    @Test(arguments: ProviderImplementation.allCases)
    func peexRefusesAWrongKeyAndAPaymentWithoutAMLConfirmation(_ implementation: ProviderImplementation) async throws {
        let registry = implementation.registry(replacing: "peex")
        try await withPeex { server in
            var wrong = MemoryCredentialStore()
            wrong.set(Secret("not-the-key"), for: CredentialName(provider: "peex", field: "secret_key"), in: .sandbox)
            let (status, output) = await run("""
                local ok, err = pcall(function() return payrun.provider("peex"):get("/clients/me") end)
                print(ok, err.status, err.message)
                """, server: server, registry: registry, store: wrong)
            #expect(status == .success, "\(output.standardError)")
            #expect(output.standardOutput == "false\t401\tthe SECRETKEY was refused: check peex.secret_key: Unauthenticated.\n")
            #expect(!output.standardOutput.contains("not-the-key"))
            // Straight to the simulator, past payrun's own check: Peex's 422.
            var request = URLRequest(url: URL(string: server.baseURL + "/peex/api/v3/clients/request_payment")!)
            request.httpMethod = "POST"
            request.setValue(PeexSimulator.sandboxSecretKey, forHTTPHeaderField: "SECRETKEY")
            request.httpBody = Data(#"{"track_id": "t", "amount": 10, "mobile_phone": "+237677000001"}"#.utf8)
            let (data, response) = try await URLSession.shared.data(for: request)
            #expect((response as? HTTPURLResponse)?.statusCode == 422)
            #expect(String(decoding: data, as: UTF8.self).contains("aml_cft"))
        }
    }

    @Test(arguments: ProviderImplementation.allCases)
    func peexCallbacksCarryBasicCredentialsThatVerify(_ implementation: ProviderImplementation) async throws {
        let registry = implementation.registry(replacing: "peex")
        let receiver = try await WebhookReceiver.start()
        try await withPeex({ $0.peex.callbackURL = receiver.url }) { server in
            let (status, output) = await run(Self.peexPayment + "\n" + """
                local p = payrun.provider("peex")
                p:request_payment(payment("cb-1", "+237677000001"))
                print(p:wait_for("cb-1").status)
                """, server: server, registry: registry)
            #expect(status == .success, "\(output.standardError)")
            let received = try await receiver.wait(for: 1)
            let body = String(decoding: received[0].body, as: UTF8.self)
            let authorization = received[0].headers["authorization"] ?? ""
            let (checked, verdicts) = await run("""
                local body = [==[\(body)]==]
                local finished = payrun.json.decode(body)
                print(payrun.webhook.verify("peex", { headers = { Authorization = "\(authorization)" }, body = body }), finished[1].track_id, finished[1].status)
                print(payrun.webhook.verify("peex", { headers = { Authorization = "Basic c29tZW9uZTplbHNl" }, body = body }))
                print(payrun.webhook.verify("peex", { headers = {}, body = body }))
                """, server: server, registry: registry)
            #expect(checked == .success, "\(verdicts.standardError)")
            #expect(verdicts.standardOutput == """
                true\tcb-1\tpaid
                false\tthe Basic credentials do not match
                false\tno Authorization header

                """)
        }
        await receiver.stop()
    }
}
