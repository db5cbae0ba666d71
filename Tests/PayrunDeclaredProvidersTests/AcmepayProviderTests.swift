// scripts/providers/acmepay.lua, a Stripe-style provider declared in Lua, against a Stripe-style
// API on loopback: its bearer key added in Swift, its errors read from their declared paths,
// idempotency keys that make a create safe to send again, cursor pages after the last id, Link
// pages, and Stripe-Signature webhooks.
import Crypto
import Foundation
@testable import PayrunDeclaredProviders
import PayrunFormats
import PayrunProviderKit
import PayrunTestSupport
import Testing

@Suite struct AcmepayProviderTests {
    /// The definition as shipped, pointed at `server` for the sandbox environment.
    static func provider(for server: CardAPIServer) throws -> DeclaredProvider {
        var definition = try DefinitionFile.load(Self.repositoryFile("scripts/providers/acmepay.lua"))
        definition.sandboxBase = server.baseURL
        definition.sandboxCredentials = ["secret_key": CardAPIServer.secretKey, "webhook_secret": "whsec_acme_test"]
        return DeclaredProvider(definition)
    }

    static func repositoryFile(_ path: String) -> String {
        "/" + #filePath.split(separator: "/").dropLast(3).joined(separator: "/") + "/" + path
    }

    func withClient(charges: Int = 0, events: Int = 0, _ body: (CardAPIServer, ProviderClient) async throws -> Void) async throws {
        let server = try await CardAPIServer.start(charges: charges, events: events)
        do {
            let provider = try Self.provider(for: server)
            let transport = try HTTPTransport()
            var policy = RetryPolicy()
            policy.firstDelay = .milliseconds(10)
            let client = try ProviderClient(
                provider: provider, environment: .sandbox,
                credentials: ProviderCredentials(for: provider, in: .sandbox, from: MemoryCredentialStore()),
                http: ProviderHTTPClient(transport: transport, policy: policy), sandboxServer: nil)
            do {
                try await body(server, client)
            } catch {
                await transport.shutdown()
                throw error
            }
            await transport.shutdown()
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func theKeyIsAddedInSwiftAndErrorsComeFromTheirDeclaredPaths() async throws {
        try await withClient(charges: 3) { server, client in
            let charge = try await client.request("GET", "/charges/ch_0002")
            #expect(charge.result["amount"] == .integer(200))
            #expect(server.requests.last?.headers["authorization"] == "Bearer \(CardAPIServer.secretKey)")
            await #expect {
                try await client.request("GET", "/charges/ch_9999")
            } throws: { error in
                guard let error = error as? ProviderError else { return false }
                return error.status == 404 && error.code == "resource_missing" && error.message == "No such charge: 'ch_9999'"
                    && error.details["param"] == "id" && error.details["type"] == "invalid_request_error" && !error.retryable
            }
            await #expect {
                try await client.request("POST", "/charges", body: .object(["amount": .integer(4000)]))
            } throws: { error in
                (error as? ProviderError)?.description == "acmepay: 402 card_declined: Your card was declined."
            }
            let signed = try await client.signed("POST", "/charges", body: .object(["amount": .integer(1)]))
            #expect(signed.header("Authorization") == "Bearer \(CardAPIServer.secretKey)")
            #expect(signed.header("Idempotency-Key")?.count == 32)
            await #expect(throws: ProviderError.self, "credentials go to the declared host only") {
                try await client.signed("GET", "@evil.example/charges")
            }
        }
    }

    @Test func aRefusedKeyQuotedInTheErrorIsRedacted() async throws {
        let server = try await CardAPIServer.start(charges: 1)
        var definition = try DefinitionFile.load(Self.repositoryFile("scripts/providers/acmepay.lua"))
        definition.baseURLs[.test] = server.baseURL
        let provider = DeclaredProvider(definition)
        var store = MemoryCredentialStore()
        store.set(Secret("sk_test_not_the_right_one_42"), for: CredentialName(provider: "acmepay", field: "secret_key"), in: .test)
        let transport = try HTTPTransport()
        let client = try ProviderClient(
            provider: provider, environment: .test, credentials: ProviderCredentials(for: provider, in: .test, from: store),
            http: ProviderHTTPClient(transport: transport))
        await #expect {
            try await client.request("GET", "/charges/ch_0001")
        } throws: { error in
            guard let error = error as? ProviderError else { return false }
            return error.status == 401 && error.code == "invalid_api_key" && error.message.hasPrefix("Invalid API Key provided: ")
                && !error.description.contains("sk_test_not_the_right_one_42") && !error.details.values.contains { $0.contains("not_the_right") }
        }
        await transport.shutdown()
        await server.stop()
    }

    @Test func aCreateThatFailedAfterBeingAppliedIsSentAgainWithItsKeyAndChargesOnce() async throws {
        try await withClient { server, client in
            server.failNextCreateAfterApplying()
            let created = try await client.request("POST", "/charges", body: .object(["amount": .integer(1250), "currency": .string("eur")]))
            #expect(created.result["amount"] == .integer(1250))
            #expect(created.attempts == 2, "the 500 was retried: the Idempotency-Key makes it safe")
            let posts = server.requests.filter { $0.method == "POST" }
            #expect(posts.count == 2)
            #expect(posts[0].headers["idempotency-key"] != nil && posts[0].headers["idempotency-key"] == posts[1].headers["idempotency-key"])
            #expect(server.charges.count == 1, "charged once")
            // A key the script gives is the one sent.
            _ = try await client.request("POST", "/charges", body: .object(["amount": .integer(5)]), headers: [("Idempotency-Key", "order-77")])
            _ = try await client.request("POST", "/charges", body: .object(["amount": .integer(5)]), headers: [("Idempotency-Key", "order-77")])
            #expect(server.charges.count == 2, "the same key twice is one charge")
        }
    }

    @Test func listsPageAfterTheLastIdAndEventsFollowTheirLinkHeaders() async throws {
        try await withClient(charges: 250, events: 23) { server, client in
            var ids: [String] = []
            for try await charge in ProviderPaginator(client: client, path: "/charges", pageSize: 100) { ids.append(charge["id"]?.string ?? "") }
            #expect(ids.count == 250 && Set(ids).count == 250 && ids.first == "ch_0001" && ids.last == "ch_0250")
            let pages = server.requests.filter { $0.path == "/v1/charges" }.map(\.query)
            #expect(pages == ["limit=100", "limit=100&starting_after=ch_0100", "limit=100&starting_after=ch_0200"])
            var events: [String] = []
            for try await event in ProviderPaginator(client: client, path: "/events", pageSize: 10) { events.append(event["id"]?.string ?? "") }
            #expect(events == (1...23).map { "evt_\($0)" })
            #expect(server.requests.filter { $0.path == "/v1/events" }.count == 3)
            // Without a page size, the query's own `limit` is the page size.
            var few = 0
            for try await _ in ProviderPaginator(client: client, path: "/charges", query: [("limit", "120")]) { few += 1 }
            #expect(few == 250 && server.requests.filter { $0.path == "/v1/charges" }.suffix(3).map(\.query)
                == ["limit=120", "limit=120&starting_after=ch_0120", "limit=120&starting_after=ch_0240"])
        }
    }

    @Test func pagesThatGoRoundAreStoppedOnceEachPageIsRead() async throws {
        try await withClient(events: 30) { server, client in
            server.loopEvents(backTo: 2)
            var ids: [String] = []
            await #expect {
                for try await event in ProviderPaginator(client: client, path: "/events", pageSize: 10) {
                    ids.append(event["id"]?.string ?? "")
                    if ids.count > 100 { break }  // without the guard, the pages would go on for ever
                }
            } throws: { error in
                (error as? ProviderError)?.message.contains("is one already read: the provider's pages go round, so paging stopped") == true
            }
            #expect(ids == (1...30).map { "evt_\($0)" }, "every page once, then the error")
            #expect(server.requests.filter { $0.path == "/v1/events" }.count == 3)
        }
    }

    @Test func stripeSignedWebhooksVerifyAndForgedOrStaleOnesDoNot() throws {
        var definition = try DefinitionFile.load(Self.repositoryFile("scripts/providers/acmepay.lua"))
        definition.sandboxCredentials = ["webhook_secret": "whsec_acme_test"]
        let provider = DeclaredProvider(definition)
        let credentials = ProviderCredentials(for: provider, in: .sandbox, from: MemoryCredentialStore())
        let body = Array(#"{"id":"evt_1","type":"charge.succeeded","data":{"object":{"id":"ch_0001"}}}"#.utf8)
        let now = 1_764_000_000
        func header(_ time: Int, secret: String = "whsec_acme_test") -> String {
            let mac = HMAC<SHA256>.authenticationCode(for: Array("\(time).".utf8) + body, using: SymmetricKey(data: Array(secret.utf8)))
            return "t=\(time),v1=" + mac.map { String(format: "%02x", $0) }.joined()
        }
        func verify(_ value: String?, at time: Int = now) -> WebhookVerdict {
            provider.verify(IncomingWebhook(headers: value.map { [("Stripe-Signature", $0)] } ?? [], body: body), with: credentials, now: time)
        }
        #expect(verify(header(now)) == .valid)
        #expect(verify(header(now - 200)) == .valid)
        #expect(verify("t=\(now),v1=00ff,v1=" + header(now).split(separator: "=").last!) == .valid, "any one of several signatures")
        #expect(verify(header(now, secret: "whsec_other")) == .invalid("no v1 signature in the Stripe-Signature header matches"))
        #expect(verify(header(now - 301)) == .invalid("the Stripe-Signature t= header is more than 300 s from now: too old to trust (or the clocks differ)"))
        #expect(verify(nil) == .invalid("no Stripe-Signature header"))
        #expect(provider.describe(IncomingWebhook(headers: [], body: body)) == WebhookDescription(type: "charge.succeeded", id: "evt_1"))
    }
}
