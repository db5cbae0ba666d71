// The Particeep provider against the Particeep simulator over real HTTP: signing, both response
// shapes, error mapping, pages with total_size, webhook verification. Each test runs twice: with
// the built-in provider (Swift) and with docs/examples/providers/particeep.lua (declared in Lua).
import Crypto
import Foundation
@testable import PayrunDeclaredProviders
import PayrunFormats
@testable import PayrunProviders
import PayrunRuntime
import PayrunSimulators
import PayrunTestSupport
import Testing

@Suite struct ParticeepProviderTests {
    @Test func signingMatchesTheDocumentsVector() throws {
        #expect(ParticeepRequestSigner.authorization(key: "1234567890", secret: "0987654321", dateTime: "2015-10-19T11:04:18Z")
            == "PTP:1234567890:YzgwZWEyYjJjOWY4ZTZlNTA5NzgzZWU2N2IzZWNhMGFhMDZhY2RkMA==")
        // The declared signature, by its parts, on the same values.
        guard case .hmac(let signing) = try #require(ProviderImplementation.declared("particeep").definition.auth.first) else {
            Issue.record("the declared Particeep does not sign with an HMAC")
            return
        }
        let message = signing.signature.message { part in
            switch part {
            case .credential("api_secret"): Array("0987654321".utf8)
            case .credential("api_key"): Array("1234567890".utf8)
            case .timestamp: Array("2015-10-19T11:04:18Z".utf8)
            default: nil
            }
        }
        let signature = signing.signature.signature(of: try #require(message), key: Array("0987654321".utf8))
        let authorization = signing.headers.first { $0.name == "Authorization" }?.value.filled { $0 == "signature" ? signature : $0 == "api_key" ? "1234567890" : nil }
        #expect(authorization == "PTP:1234567890:YzgwZWEyYjJjOWY4ZTZlNTA5NzgzZWU2N2IzZWNhMGFhMDZhY2RkMA==")
    }

    /// The signer reuses its last value within a second: a change of key, secret or second, each
    /// alone and one right after another, gets a value of its own, as swift-crypto computes it. A
    /// secret written another way that compares equal as a `String` (é composed, and e with an
    /// accent) is another secret.
    /// The quota warning at 90% of the limit, whatever numbers the answer carries: one near
    /// Int's limit is compared without overflowing.
    @Test func theQuotaWarningComesAtNinetyPercent() {
        let warning = { (used: String, limit: String) in
            ParticeepProvider().warning(about: ProviderResponse(status: 200, headers: [("request-quota", used), ("request-quotamax", limit)], body: []))
        }
        #expect(warning("8", "10") == nil)
        #expect(warning("9", "10") != nil)
        #expect(warning("13", "15") == nil)
        #expect(warning("14", "15") != nil)
        #expect(warning("999999999999999999", "999999999999999999") != nil)
        #expect(warning("5", "0") == nil)
        #expect(warning("many", "10") == nil)
    }

    @Test func aSignatureIsReusedOnlyForTheSameKeySecretAndSecond() {
        func expected(_ key: String, _ secret: String, _ dateTime: String) -> String {
            let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data((secret + key + dateTime).utf8), using: SymmetricKey(data: Data(secret.utf8)))
            let hex = mac.map { String(format: "%02x", $0) }.joined()
            return "PTP:\(key):" + Data(hex.utf8).base64EncodedString()
        }
        let second = "2015-10-19T11:04:18Z"
        let signed = [
            ("1234567890", "0987654321", second), ("1234567890", "0987654321", second), ("1234567891", "0987654321", second),
            ("1234567890", "0987654321", second), ("1234567890", "0987654322", second), ("1234567890", "0987654321", "2015-10-19T11:04:19Z"),
            ("1234567890", "caf\u{E9}", second), ("1234567890", "cafe\u{301}", second), ("1234567890", "caf\u{E9}", second),
        ]
        for (key, secret, dateTime) in signed {
            #expect(ParticeepRequestSigner.authorization(key: key, secret: secret, dateTime: dateTime) == expected(key, secret, dateTime),
                    "\(key) \(Array(secret.utf8)) \(dateTime)")
        }
        #expect(expected("1234567890", "caf\u{E9}", second) != expected("1234567890", "cafe\u{301}", second))
    }

    /// A client for the sandbox environment served by a fresh simulator.
    func withClient(
        _ provider: any PaymentProvider,
        transactions: Int = 100, store: MemoryCredentialStore = MemoryCredentialStore(),
        _ body: (SimulatorServer, ProviderClient) async throws -> Void
    ) async throws {
        var configuration = SimulatorServer.Configuration()
        configuration.particeep.users = 20
        configuration.particeep.transactions = transactions
        configuration.webhooks.firstRetryDelay = .milliseconds(20)
        try await SimulatorFixture.with(configuration) { server in
            try await SimulatorFixture.with(HTTPSettings()) { transport in
                let client = try ProviderClient(
                    provider: provider, environment: .sandbox,
                    credentials: ProviderCredentials(for: provider, in: .sandbox, from: store),
                    http: ProviderHTTPClient(transport: transport), sandboxServer: server.baseURL)
                try await body(server, client)
            }
        }
    }

    @Test(arguments: ProviderImplementation.allCases)
    func requestsAreSignedAndAnswered(_ implementation: ProviderImplementation) async throws {
        let provider = implementation.provider("particeep")
        try await withClient(provider) { _, client in
            let user = try await client.request("GET", "/user/usr_1")
            #expect(user.result["id"] == .string("usr_1"))
            #expect(user.status == 200)
            #expect(user.headers.contains { $0.0.lowercased() == "request-quota" })
            let created = try await client.request("PUT", "/transaction", body: .object(["amount": .integer(1250), "currency": .string("EUR")]))
            #expect(created.result["status"] == .string("PENDING"))
            let search = try await client.request("GET", "/user/search", query: [("global_search", "lovelace & co")])
            #expect(search.result["total_size"] != nil, "query values are percent-encoded")
        }
    }

    @Test(arguments: ProviderImplementation.allCases)
    func errorsKeepTheProvidersCodeAndStatus(_ implementation: ProviderImplementation) async throws {
        let provider = implementation.provider("particeep")
        try await withClient(provider) { _, client in
            await #expect {
                try await client.request("GET", "/user/nobody")
            } throws: { error in
                guard let error = error as? ProviderError else { return false }
                return error.status == 404 && error.code == "error.user.none" && !error.retryable
                    && error.description == "particeep: 404 error.user.none: no user with id nobody"
            }
            await #expect(throws: ProviderError.self) { try await client.request("GET", "user/usr_1") }
        }
        var wrong = MemoryCredentialStore()
        wrong.set(Secret("not-the-secret"), for: CredentialName(provider: "particeep", field: "api_secret"), in: .sandbox)
        try await withClient(provider, store: wrong) { _, client in
            await #expect {
                try await client.request("GET", "/info")
            } throws: { error in
                (error as? ProviderError)?.code == "error.authorization.invalid" && (error as? ProviderError)?.status == 403
            }
        }
    }

    @Test(arguments: ProviderImplementation.allCases)
    func bothResponseShapesAreRead(_ implementation: ProviderImplementation) throws {
        let provider = implementation.provider("particeep")
        let request = ProviderRequest(method: "GET", url: "https://test-api.particeep.com/v1/user/x")
        func result(_ status: Int, _ text: String) throws(ProviderError) -> JSONValue {
            try provider.result(of: ProviderResponse(status: status, headers: [], body: Array(text.utf8)), to: request)
        }
        #expect(try result(200, #"{"error": {"hasError": false, "errors": []}, "result": {"id": "x"}, "meta": {"version": "1"}}"#) == .object(["id": .string("x")]))
        #expect(try result(200, #"{"id": "x"}"#) == .object(["id": .string("x")]))
        #expect(try result(200, #"{"result": "a field called result"}"#) == .object(["result": .string("a field called result")]))
        for (status, text) in [
            (404, #"{"error": {"hasError": true, "errors": [{"technicalCode": "error.user.none", "message": "gone"}]}, "result": null}"#),
            (404, #"{"hasError": true, "errors": [{"technicalCode": "error.user.none", "message": "gone"}]}"#),
        ] {
            #expect {
                try result(status, text)
            } throws: { error in
                (error as? ProviderError)?.code == "error.user.none" && (error as? ProviderError)?.message == "gone"
            }
        }
        #expect {
            try result(502, "<html>Bad gateway</html>")
        } throws: { error in
            guard let error = error as? ProviderError else { return false }
            return error.retryable && error.message.contains("not JSON") && error.message.contains("<html>Bad gateway")
        }
    }

    @Test(arguments: ProviderImplementation.allCases)
    func pagesAreFollowedToTheEndAndPrefetched(_ implementation: ProviderImplementation) async throws {
        let provider = implementation.provider("particeep")
        try await withClient(provider, transactions: 250) { server, client in
            var ids: [String] = []
            for try await item in ProviderPaginator(client: client, path: "/transaction/search", pageSize: 100) {
                ids.append(item["id"]?.string ?? "")
            }
            #expect(ids.count == 250)
            #expect(Set(ids).count == 250)
            #expect(ids.first == "txn_1" && ids.last == "txn_250")
            let pageRequests = server.requests.all.filter { $0.path.hasSuffix("/transaction/search") }
            #expect(pageRequests.count == 3)
            let pending = try await client.request("GET", "/transaction/search", query: [("status", "PENDING"), ("limit", "1")])
            var count = 0
            for try await _ in ProviderPaginator(client: client, path: "/transaction/search", query: [("status", "PENDING")], pageSize: 7) { count += 1 }
            #expect(pending.result["total_size"] == .integer(count))
        }
    }

    @Test(arguments: ProviderImplementation.allCases)
    func webhooksFromTheSimulatorVerifyAndForgeriesDoNot(_ implementation: ProviderImplementation) async throws {
        let provider = implementation.provider("particeep")
        let receiver = try await WebhookReceiver.start()
        try await withClient(provider) { _, client in
            _ = try await client.request("PUT", "/webhook", body: .object(["name": .string("user_deleted"), "url": .string(receiver.url)]))
            _ = try await client.request("DELETE", "/user/usr_2")
            let received = try await receiver.wait(for: 1)
            let hook = try #require(received.first)
            let headers = hook.headers.map { ($0.key, $0.value) }
            let credentials = ProviderCredentials(for: provider, in: .sandbox, from: MemoryCredentialStore())
            let now = UTCTime.now()
            #expect(provider.verify(IncomingWebhook(headers: headers, body: Array(hook.body)), with: credentials, now: now) == .valid)
            let forged = headers.map { $0.0 == "authorization" ? ($0.0, "PTP:sandbox-particeep-key:Zm9yZ2Vk") : $0 }
            #expect(provider.verify(IncomingWebhook(headers: forged, body: []), with: credentials, now: now) == .invalid("the Authorization signature does not match"))
            guard case .invalid(let reason) = provider.verify(IncomingWebhook(headers: headers, body: []), with: credentials, now: now + 3600) else {
                Issue.record("an hour-old webhook was accepted")
                return
            }
            #expect(reason.contains("too old"))
            #expect(provider.verify(IncomingWebhook(headers: headers.filter { $0.0 != "datetime" }, body: []), with: credentials, now: now) == .invalid("no DateTime header"))
            #expect(provider.describe(IncomingWebhook(headers: headers, body: Array(hook.body))).type == "user_deleted")
            // The type is not signed: an empty one was kept as `particeep/` (an event of no type).
            let untyped = headers.map { $0.0 == "x-particeep-event" ? ($0.0, "") : $0 }
            #expect(provider.describe(IncomingWebhook(headers: untyped, body: Array(hook.body))).type == "webhook")
        }
        await receiver.stop()
    }

    @Test(arguments: ProviderImplementation.allCases)
    func onlyReadsAndDeletesAreRetried(_ implementation: ProviderImplementation) {
        let provider = implementation.provider("particeep")
        #expect(provider.retrySafety(of: ProviderRequest(method: "GET", url: "https://x/v1/user/1")) == .idempotent)
        #expect(provider.retrySafety(of: ProviderRequest(method: "DELETE", url: "https://x/v1/user/1")) == .idempotent)
        #expect(provider.retrySafety(of: ProviderRequest(method: "PUT", url: "https://x/v1/transaction")) == .unsafe)
        #expect(provider.retrySafety(of: ProviderRequest(method: "POST", url: "https://x/v1/wallet/transfer")) == .unsafe)
    }

    @Test(arguments: ProviderImplementation.allCases)
    func liveAndTestGoToParticeepsHostsOnly(_ implementation: ProviderImplementation) async throws {
        let provider = implementation.provider("particeep")
        #expect(provider.baseURL(in: .live, sandboxServer: nil) == "https://api.particeep.com/v1")
        #expect(provider.baseURL(in: .test, sandboxServer: nil) == "https://test-api.particeep.com/v1")
        #expect(provider.baseURL(in: .sandbox, sandboxServer: nil) == nil)
        var store = MemoryCredentialStore()
        store.set(Secret("live-key-123"), for: CredentialName(provider: "particeep", field: "api_key"), in: .live)
        store.set(Secret("live-secret-456"), for: CredentialName(provider: "particeep", field: "api_secret"), in: .live)
        let transport = try HTTPTransport()
        let client = try ProviderClient(
            provider: provider, environment: .live, credentials: ProviderCredentials(for: provider, in: .live, from: store),
            http: ProviderHTTPClient(transport: transport))
        let signed = try await client.signed("GET", "/user/usr_1")
        #expect(signed.url == "https://api.particeep.com/v1/user/usr_1")
        #expect(signed.header("Authorization")?.hasPrefix("PTP:live-key-123:") == true)
        await #expect(throws: ProviderError.self) { try await client.signed("GET", "@evil.example/x") }
        let missing = ProviderCredentials(for: provider, in: .test, from: store)
        #expect(throws: ProviderError.self) { try missing.secret("api_secret") }
        await transport.shutdown()
    }
}
