// The provider example of docs/embedding.md (docs/examples/ledger-provider), written against the
// provider kit alone, used from Swift against a small ledger served here on loopback.
import Hummingbird
import LedgerProviderExample
import PayrunFormats
import PayrunProviderKit
import PayrunSimulators
import PayrunTestSupport
import Testing

@Suite struct LedgerProviderExampleTests {
    /// A ledger of 20 entries behind a bearer token, paged by limit and offset.
    func withLedger(_ body: (String) async throws -> Void) async throws {
        let router = Router()
        router.get("entries") { request, _ -> Response in
            guard request.headers[.authorization] == "Bearer ledger-t0ken-41" else {
                return Response(status: .unauthorized, body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"code": "unauthorized", "message": "bad token"}"#)))
            }
            let limit = Int(request.uri.queryParameters.get("limit") ?? "") ?? 100
            let offset = Int(request.uri.queryParameters.get("offset") ?? "") ?? 0
            let items = (offset..<min(offset + limit, 20)).map { JSONValue.object(["id": .string("e\($0 + 1)")]) }
            let page = JSONValue.object(["items": .array(items), "total": .integer(20)])
            return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(bytes: page.encoded())))
        }
        let application = try await RunningApplication.start(router)
        do {
            try await body("http://127.0.0.1:\(application.port)")
        } catch {
            await application.stop()
            throw error
        }
        await application.stop()
    }

    func client(_ provider: LedgerProvider, token: String?, transport: HTTPTransport) throws -> ProviderClient {
        var store = MemoryCredentialStore()
        if let token { store.set(Secret(token), for: CredentialName(provider: "ledger", field: "token"), in: .test) }
        return try ProviderClient(
            provider: provider, environment: .test, credentials: ProviderCredentials(for: provider, in: .test, from: store),
            http: ProviderHTTPClient(transport: transport))
    }

    @Test func theExampleSignsPagesAndReportsErrors() async throws {
        try await withLedger { url in
            let provider = LedgerProvider(urls: [.test: url])
            try await SimulatorFixture.with(HTTPSettings()) { transport in
                var ids: [String] = []
                for try await entry in ProviderPaginator(client: try client(provider, token: "ledger-t0ken-41", transport: transport), path: "/entries", pageSize: 7) {
                    ids.append(entry["id"]?.string ?? "")
                }
                #expect(ids == (1...20).map { "e\($0)" }, "pages of 7, 7 and 6")
                await #expect {
                    try await client(provider, token: "wrong-token-9", transport: transport).request("GET", "/entries")
                } throws: { error in
                    (error as? ProviderError)?.status == 401 && (error as? ProviderError)?.code == "unauthorized"
                }
                await #expect {
                    try await client(provider, token: nil, transport: transport).request("GET", "/entries")
                } throws: { error in
                    "\(error)".contains("ledger.token")
                }
            }
        }
        let provider = LedgerProvider(urls: [:])
        let posting = ProviderRequest(method: "POST", url: "https://ledger.example/entries", body: Array(#"{"reference": "r-1"}"#.utf8))
        #expect(provider.retrySafety(of: posting) == .deduplicated(by: "reference r-1"))
        #expect(provider.retrySafety(of: ProviderRequest(method: "POST", url: "https://ledger.example/entries")) == .unsafe)
        #expect(provider.isRead(ProviderRequest(method: "GET", url: "https://ledger.example/entries")))
    }
}
