// Each way a definition can authenticate, carried out in Swift: a header template, bearer,
// Basic, a query parameter, an HMAC declared by parts (checked by recomputing it from what was
// sent), an optional header whose credential is not set, and OAuth 2.0 client credentials against
// a token endpoint on loopback: fetched once, shared, and fetched again when refused.
import Crypto
import Foundation
@testable import PayrunDeclaredProviders
import PayrunFormats
import PayrunProviderKit
import PayrunTestSupport
import Testing

@Suite struct AuthSchemeTests {
    /// A client in `live` (signing only: nothing is sent) for a definition with `auth`.
    func signed(
        auth: String, credentials: [String: String], unset: [String] = [], method: String = "GET", path: String = "/payments",
        query: [(String, String)] = [], body: JSONValue? = nil
    ) async throws -> ProviderRequest {
        let source = """
            return {
              name = "acme", base_url = { live = "https://api.acme.example/v2" },
              credentials = { \((credentials.keys.sorted() + unset).map { "\"\($0)\"" }.joined(separator: ", ")) },
              auth = \(auth),
            }
            """
        let provider = DeclaredProvider(try DefinitionFile.load(Array(source.utf8), file: "providers/acme.lua"))
        var store = MemoryCredentialStore()
        for (field, value) in credentials { store.set(Secret(value), for: CredentialName(provider: "acme", field: field), in: .live) }
        let transport = try HTTPTransport()
        defer { Task { await transport.shutdown() } }
        let client = try ProviderClient(
            provider: provider, environment: .live, credentials: ProviderCredentials(for: provider, in: .live, from: store),
            http: ProviderHTTPClient(transport: transport))
        return try await client.signed(method, path, query: query, body: body)
    }

    @Test func headerBearerBasicAndQueryCarryTheCredentialAsDeclared() async throws {
        let header = try await signed(auth: #"{ kind = "header", name = "X-Api-Key", value = "Token {api_key}" }"#, credentials: ["api_key": "k-1"])
        #expect(header.header("X-Api-Key") == "Token k-1")
        let bearer = try await signed(auth: #"{ kind = "bearer", credential = "api_key" }"#, credentials: ["api_key": "k-2"])
        #expect(bearer.header("Authorization") == "Bearer k-2")
        let basic = try await signed(auth: #"{ kind = "basic", username = "account", password = "api_key" }"#, credentials: ["account": "acct", "api_key": "k:3"])
        #expect(basic.header("Authorization") == "Basic " + Data("acct:k:3".utf8).base64EncodedString())
        let query = try await signed(
            auth: #"{ kind = "query", name = "api_key", credential = "api_key" }"#, credentials: ["api_key": "k 4&x"], query: [("page", "2")])
        #expect(query.url == "https://api.acme.example/v2/payments?page=2&api_key=k%204%26x")
        let both = try await signed(
            auth: #"{ { kind = "bearer", credential = "api_key" }, { kind = "header", name = "X-Account", credential = "account", optional = true } }"#,
            credentials: ["api_key": "k-5"], unset: ["account"])
        #expect(both.header("Authorization") == "Bearer k-5" && both.header("X-Account") == nil, "an optional header whose credential is not set is left out")
        await #expect {
            _ = try await signed(auth: #"{ kind = "bearer", credential = "api_key" }"#, credentials: ["other": "x"], unset: ["api_key"])
        } throws: { error in
            (error as? ProviderError)?.message.hasPrefix("no credential acme.api_key in the live environment") == true
        }
    }

    @Test func anHMACDeclaredByPartsSignsWhatIsSent() async throws {
        let request = try await signed(
            auth: """
                { kind = "hmac", algorithm = "sha256", key = "secret", encoding = "hex", separator = "\\n", timestamp = "unix",
                  message = { "method", "path", "query", "timestamp", "nonce", "body", { header = "X-Account" }, { literal = "v1" } },
                  headers = { ["X-Timestamp"] = "{timestamp}", ["X-Nonce"] = "{nonce}", ["X-Account"] = "{account}",
                              Authorization = "ACME {account}:{signature}" } }
                """,
            credentials: ["account": "acct-9", "secret": "s3cr3t"], method: "POST", path: "/payments", query: [("dry", "1")],
            body: .object(["amount": .integer(5)]))
        let timestamp = try #require(request.header("X-Timestamp"))
        let nonce = try #require(request.header("X-Nonce"))
        #expect(abs((Int(timestamp) ?? 0) - Int(Date().timeIntervalSince1970)) < 5 && nonce.count == 32)
        let message = ["POST", "/v2/payments", "dry=1", timestamp, nonce, String(decoding: request.body ?? [], as: UTF8.self), "acct-9", "v1"].joined(separator: "\n")
        let expected = HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: Array("s3cr3t".utf8)))
        #expect(request.header("Authorization") == "ACME acct-9:" + expected.map { String(format: "%02x", $0) }.joined())
    }

    @Test func oauthTokensAreFetchedOnceSharedAndRenewedWhenRefused() async throws {
        let server = try await CardAPIServer.start(charges: 3)
        let source = """
            return {
              name = "acme", base_url = { test = "\(server.baseURL)" },
              credentials = { "client_id", "client_secret" },
              auth = { kind = "oauth2", token_url = "/oauth/token", client_id = "client_id", client_secret = "client_secret", scope = "charges" },
            }
            """
        let provider = DeclaredProvider(try DefinitionFile.load(Array(source.utf8), file: "providers/acme.lua"))
        var store = MemoryCredentialStore()
        store.set(Secret(CardAPIServer.clientID), for: CredentialName(provider: "acme", field: "client_id"), in: .test)
        store.set(Secret(CardAPIServer.clientSecret), for: CredentialName(provider: "acme", field: "client_secret"), in: .test)
        let transport = try HTTPTransport()
        let client = try ProviderClient(
            provider: provider, environment: .test, credentials: ProviderCredentials(for: provider, in: .test, from: store),
            http: ProviderHTTPClient(transport: transport))
        for id in ["ch_0001", "ch_0002", "ch_0003"] {
            #expect(try await client.request("GET", "/charges/\(id)").result["id"] == .string(id))
        }
        #expect(server.tokensIssued == 1, "one token for every request")
        let tokenRequest = try #require(server.requests.first { $0.path == "/oauth/token" })
        #expect(tokenRequest.headers["authorization"]?.hasPrefix("Basic ") == true)
        server.revokeTokens()
        #expect(try await client.request("GET", "/charges/ch_0001").result["id"] == .string("ch_0001"))
        #expect(server.tokensIssued == 2, "a refused token is replaced, and the request signed again")
        await transport.shutdown()
        await server.stop()
    }

    @Test func retriesFollowTheDeclaredMethodsAndPathPatterns() throws {
        let source = """
            return {
              name = "acme", base_url = { live = "https://api.acme.example/v2" },
              retry = { "GET", { method = "POST", path = "/exports/*" }, { method = "PUT", path = "/payments/{id}/note" } },
            }
            """
        let provider = DeclaredProvider(try DefinitionFile.load(Array(source.utf8), file: "providers/acme.lua"))
        func safety(_ method: String, _ path: String) -> RetrySafety {
            provider.retrySafety(of: ProviderRequest(method: method, url: "https://api.acme.example/v2" + path))
        }
        #expect(safety("GET", "/payments") == .idempotent)
        #expect(safety("POST", "/exports/2026/12") == .idempotent)
        #expect(safety("POST", "/exports") == .unsafe, "a final * is what is below, not the path itself")
        #expect(safety("PUT", "/payments/p_1/note") == .idempotent)
        #expect(safety("PUT", "/payments/p_1/amount") == .unsafe)
        #expect(safety("POST", "/payments") == .unsafe)
        #expect(safety("DELETE", "/payments/p_1") == .unsafe)
    }

    @Test func numberedPagesEndOnAShortPage() async throws {
        let server = try await CardAPIServer.start(events: 25)
        var definition = try DefinitionFile.load(AcmepayProviderTests.repositoryFile("scripts/providers/acmepay.lua"))
        definition.sandboxBase = server.baseURL
        definition.sandboxCredentials = ["secret_key": CardAPIServer.secretKey]
        definition.paginationByPath = [(RequestPattern(method: "GET", path: "/events"), .pageNumber(page: "page", size: "limit", items: "data", pageCount: [], first: 1, defaultSize: 10))]
        let provider = DeclaredProvider(definition)
        let transport = try HTTPTransport()
        let client = try ProviderClient(
            provider: provider, environment: .sandbox, credentials: ProviderCredentials(for: provider, in: .sandbox, from: MemoryCredentialStore()),
            http: ProviderHTTPClient(transport: transport))
        var ids: [String] = []
        for try await event in ProviderPaginator(client: client, path: "/events") { ids.append(event["id"]?.string ?? "") }
        #expect(ids == (1...25).map { "evt_\($0)" })
        #expect(server.requests.map(\.query) == ["page=1&limit=10", "page=2&limit=10", "page=3&limit=10"])
        await transport.shutdown()
        await server.stop()
    }
}
