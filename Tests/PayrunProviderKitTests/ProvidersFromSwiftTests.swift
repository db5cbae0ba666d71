// Each built-in provider used from Swift alone, as a company's own service would: sign, send,
// paginate and verify with async/await against its simulator over loopback HTTP. This target
// links neither LuaKit nor the runtime, so none of it needs a Lua state.
import PayrunFormats
import PayrunProviderKit
import PayrunProviders
import PayrunSimulators
import PayrunTestSupport
import Testing

@Suite struct ProvidersFromSwiftTests {
    /// A sandbox client of `provider` against simulators started with `adjust`.
    func withClient(
        _ provider: any PaymentProvider, _ adjust: (inout SimulatorServer.Configuration) -> Void = { _ in },
        _ body: (SimulatorServer, ProviderClient) async throws -> Void
    ) async throws {
        var configuration = SimulatorServer.Configuration()
        configuration.particeep.users = 30
        configuration.particeep.transactions = 10
        configuration.tradevest.processingDelay = .milliseconds(20)
        configuration.capitalist.processingDelay = .milliseconds(20)
        configuration.peex.processingDelay = .milliseconds(20)
        configuration.webhooks.firstRetryDelay = .milliseconds(20)
        adjust(&configuration)
        try await SimulatorFixture.with(configuration) { server in
            try await SimulatorFixture.with(HTTPSettings()) { transport in
                var client = try ProviderClient(
                    provider: provider, environment: .sandbox,
                    credentials: ProviderCredentials(for: provider, in: .sandbox, from: MemoryCredentialStore()),
                    http: ProviderHTTPClient(transport: transport), sandboxServer: server.baseURL)
                if provider.name == "tradevest" { client.defaultHeaders = [("Requestor-ID", "3f1b6c1e-0000-4000-8000-000000000001")] }
                try await body(server, client)
            }
        }
    }

    /// The sandbox credentials of `provider`, as a receiver checks webhooks with.
    func credentials(_ provider: any PaymentProvider) -> ProviderCredentials {
        ProviderCredentials(for: provider, in: .sandbox, from: MemoryCredentialStore())
    }

    @Test func particeep() async throws {
        let provider = ParticeepProvider()
        let receiver = try await WebhookReceiver.start()
        try await withClient(provider) { _, client in
            let signed = try await client.signed("GET", "/user/usr_1")
            #expect(signed.header("Authorization")?.hasPrefix("PTP:sandbox-particeep-key:") == true)
            #expect(try await client.request("GET", "/user/usr_1").result["id"] == .string("usr_1"))
            var users = 0
            for try await _ in ProviderPaginator(client: client, path: "/user/search", pageSize: 7) { users += 1 }
            #expect(users == 30, "five pages of 7 and one of 2")
            _ = try await client.request("PUT", "/webhook", body: .object(["name": .string("user_deleted"), "url": .string(receiver.url)]))
            _ = try await client.request("DELETE", "/user/usr_2")
            let hook = try #require(try await receiver.wait(for: 1).first)
            let headers = hook.headers.map { ($0.key, $0.value) }
            #expect(provider.verify(IncomingWebhook(headers: headers, body: Array(hook.body)), with: credentials(provider), now: UTCTime.now()) == .valid)
            #expect(provider.verify(IncomingWebhook(headers: [], body: Array(hook.body)), with: credentials(provider), now: UTCTime.now()) != .valid)
        }
        await receiver.stop()
    }

    @Test func tradevest() async throws {
        let provider = TradevestProvider()
        let receiver = try await WebhookReceiver.start()
        try await withClient(provider) { _, client in
            let signed = try await client.signed("GET", "/customers")
            #expect(signed.header("Authorization")?.hasPrefix("Bearer ") == true, "a token fetched from the authorization server")
            let registration: JSONValue = .object([
                "eventType": .string("CUSTOMER_NOTIFICATION"), "url": .string(receiver.url),
                "headers": .array([.object(["name": .string("api-key"), "value": .string("sandbox-tradevest-webhook")])]),
            ])
            _ = try await client.request("POST", "/webhooks", body: registration)
            for n in 0..<5 {
                let person: JSONValue = .object([
                    "firstName": .string("Ada"), "lastName": .string("Person \(n)"), "email": .string("p\(n)@example.com"),
                    "birthDate": .string("1980-01-0\(n + 1)"), "externalId": .string("swift-\(n)"),
                ])
                #expect(try await client.request("POST", "/customers/natural-persons", body: person).result["status"] == .string("RECEIVED"))
            }
            var externalIDs: [String] = []
            for try await customer in ProviderPaginator(client: client, path: "/customers", pageSize: 2) {
                externalIDs.append(customer["externalId"]?.string ?? "")
            }
            #expect(externalIDs == (0..<5).map { "swift-\($0)" })
            let hook = try #require(try await receiver.wait(for: 1).first)
            let headers = hook.headers.map { ($0.key, $0.value) }
            #expect(provider.verify(IncomingWebhook(headers: headers, body: Array(hook.body)), with: credentials(provider), now: 0) == .valid)
            #expect(provider.verify(IncomingWebhook(headers: [("api-key", "guess")], body: Array(hook.body)), with: credentials(provider), now: 0) != .valid)
        }
        await receiver.stop()
    }

    @Test func capitalist() async throws {
        let provider = CapitalistProvider()
        try await withClient(provider) { _, client in
            let signed = try await client.signed("POST", "/", body: .object(["operation": .string("get_accounts")]))
            let form = String(decoding: signed.body ?? [], as: UTF8.self)
            #expect(form.contains("login=sandbox-capitalist") && form.contains("encrypted_password="), "the password encrypted with get_token's key")
            #expect(!form.contains("sandbox-capitalist-password"))
            let accounts = try await client.request("POST", "/", body: .object(["operation": .string("get_accounts")])).result
            #expect(accounts["accounts"] != nil)
            // 120 lines paid with a PIN, then read back from the history 50 at a time (its least).
            let lines = (1...120).map { "CAPITALIST;U0100651;\($0);USD;swift-\($0);payout" }.joined(separator: "\n")
            let batch = try await client.request("POST", "/", body: .object([
                "operation": .string("import_batch_advanced"), "batch": .string(lines), "verification_type": .string("PIN"),
            ])).result
            #expect(batch["id"]?.string != nil)
            var numbers: Set<String> = []
            let history = ProviderPaginator(
                client: client, path: "/", query: [("operation", "get_documents_history_ext")], pageSize: 50)
            for try await record in history { if let number = record["customNumber"]?.string { numbers.insert(number) } }
            #expect(numbers == Set((1...120).map { "swift-\($0)" }), "three pages, every line once")
            // Capitalist sends no webhooks payrun can check: saying so is the answer.
            #expect(provider.verify(IncomingWebhook(headers: [], body: []), with: credentials(provider), now: 0)
                == .invalid("capitalist webhooks cannot be verified by payrun"))
        }
    }

    @Test func peex() async throws {
        let provider = PeexProvider()
        let receiver = try await WebhookReceiver.start()
        try await withClient(provider, { $0.peex.callbackURL = receiver.url }) { _, client in
            let signed = try await client.signed("GET", "/clients/me")
            #expect(signed.header("SECRETKEY") == "sandbox-peex-secret-key")
            for n in 1...3 {
                let payment: JSONValue = .object([
                    "track_id": .string("swift-\(n)"), "mobile_phone": .string("+237677000001"), "amount": .integer(1000 * n),
                    "from_currency": .string("XAF"), "aml_cft": .bool(true), "first_name": .string("Ama"), "last_name": .string("Njoh"),
                    "to_country": .string("CM"), "sender_mobile_phone": .string("+33612345678"), "sender_country": .string("FR"),
                    "purpose": .string("family support"), "fund_origin": .string("salary"),
                ])
                _ = try await client.request("POST", "/clients/request_payment", body: payment)
            }
            var tracks: [String] = []
            for try await request in ProviderPaginator(client: client, path: "/clients/all_requests") {
                if let track = request["track_id"]?.string { tracks.append(track) }
            }
            #expect(Set(tracks) == ["swift-1", "swift-2", "swift-3"], "a list Peex does not page comes whole")
            let hook = try #require(try await receiver.wait(for: 1).first)
            let headers = hook.headers.map { ($0.key, $0.value) }
            #expect(provider.verify(IncomingWebhook(headers: headers, body: Array(hook.body)), with: credentials(provider), now: 0) == .valid)
            #expect(provider.verify(IncomingWebhook(headers: [("Authorization", "Basic c29tZW9uZTplbHNl")], body: Array(hook.body)),
                                    with: credentials(provider), now: 0) != .valid)
        }
        await receiver.stop()
    }
}
