// Capitalist end to end against its simulator over loopback HTTP: both ways to send the password,
// batches signed with a key made in the test (plain PEM and the encrypted file form), JSON and CSV
// alike, the documented error codes, and paging through a 5,000-line batch.
import Crypto
import CryptoExtras
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PayrunFormats
import PayrunProviders
import PayrunRuntime
import PayrunSimulators
import PayrunTestSupport
import Testing

@Suite struct CapitalistProviderTests {
    func withClient(
        authentication: CapitalistProvider.Authentication = .encryptedPassword, store: MemoryCredentialStore = MemoryCredentialStore(),
        _ adjust: (inout SimulatorServer.Configuration) -> Void = { _ in },
        _ body: (SimulatorServer, ProviderClient) async throws -> Void
    ) async throws {
        var configuration = SimulatorServer.Configuration()
        configuration.particeep.users = 1
        configuration.particeep.transactions = 1
        configuration.capitalist.processingDelay = .milliseconds(20)
        adjust(&configuration)
        let provider = CapitalistProvider(authentication: authentication)
        try await SimulatorFixture.with(configuration) { server in
            try await SimulatorFixture.with(HTTPSettings()) { transport in
                let client = try ProviderClient(
                    provider: provider, environment: .sandbox, credentials: ProviderCredentials(for: provider, in: .sandbox, from: store),
                    http: ProviderHTTPClient(transport: transport), sandboxServer: server.baseURL)
                try await body(server, client)
            }
        }
    }

    func call(_ client: ProviderClient, _ operation: String, _ fields: [String: JSONValue] = [:], csv: Bool = false) async throws -> JSONValue {
        var body = fields
        body["operation"] = .string(operation)
        return try await client.request("POST", "/", body: .object(body), headers: csv ? [("x-response-format", "csv")] : []).result
    }

    func operations(_ server: SimulatorServer) -> Int { server.requests.all.filter { $0.path.hasPrefix("/capitalist") }.count }

    /// Expects `body` to raise Capitalist's error `code`.
    func expectCode(_ code: String, _ body: () async throws -> Void) async {
        await #expect { try await body() } throws: { error in (error as? ProviderError)?.code == code }
    }

    @Test func bothWaysToSendThePasswordWork() async throws {
        try await withClient(authentication: .plainPassword) { server, client in
            let accounts = try await call(client, "get_accounts")
            guard case .array(let list)? = accounts["accounts"] else { Issue.record("no accounts"); return }
            #expect(list.first?["number"] == .string("U0000001") && list.first?["balance"] == .string("1000000.00"))
            #expect(operations(server) == 1, "no get_token with a plain password")
        }
        try await withClient(authentication: .encryptedPassword) { server, client in
            for _ in 0..<3 { _ = try await call(client, "get_accounts") }
            #expect(operations(server) == 4, "one get_token, then three calls with its encrypted password")
        }
    }

    @Test func aTokenTheServerNoLongerKnowsIsRenewedOnce() async throws {
        // Long enough that the renewed token outlives its own call on a loaded machine (1 s did
        // not, in CI: the renewal was refused again).
        try await withClient({ $0.capitalist.tokenLifetime = 3 }) { server, client in
            _ = try await call(client, "get_accounts")
            try await Task.sleep(for: .milliseconds(3200))
            let reply = try await client.request("POST", "/", body: .object(["operation": .string("get_accounts")]))
            #expect(reply.attempts == 2, "refused with error 20, then sent again with a new token")
            // token, call, refused call, token, call (more only if the first call outlived its token).
            #expect(operations(server) >= 5)
        }
    }

    @Test func jsonAndCSVRepliesGiveTheSameValues() async throws {
        try await withClient { _, client in
            let accountsCSV = try await call(client, "get_accounts", csv: true)
            let accountsJSON = try await call(client, "get_accounts")
            #expect(accountsCSV == accountsJSON)
            let ratesCSV = try await call(client, "currency_rates", csv: true)
            let ratesJSON = try await call(client, "currency_rates")
            #expect(ratesCSV == ratesJSON)
            await expectCode("151") { _ = try await call(client, "launch_rockets", csv: true) }
            // An unconfirmed MOBILE batch, so its state stays put between the two reads.
            _ = try await call(client, "import_batch_advanced", ["batch": .string("CAPITALIST;U0100651;5;USD;same-1;one"), "verification_type": .string("MOBILE")])
            let foundCSV = try await call(client, "documents_search", ["customNumber": .string("same-1")], csv: true)
            let foundJSON = try await call(client, "documents_search", ["customNumber": .string("same-1")])
            #expect(foundCSV == foundJSON)
            #expect(foundJSON["documents"] != .array([]))
        }
    }

    @Test func pinAndMobileVerificationAndThePHPClientsMultipartForm() async throws {
        try await withClient { server, client in
            let pin = try await call(client, "import_batch_advanced", ["batch": .string("CAPITALIST;U0100651;5;USD;pin-1;pin"), "verification_type": .string("PIN")])
            #expect(pin["id"]?.string != nil, "payrun sent the md5 of capitalist.pin")
            let mobile = try await call(client, "import_batch_advanced", ["batch": .string("CAPITALIST;U0100651;5;USD;sms-1;sms"), "verification_type": .string("MOBILE")])
            let id = try #require(mobile["id"]?.string)
            await expectCode("198") { _ = try await call(client, "process_batch", ["batch_id": .string(id), "verification_data": .string("111111")]) }
            _ = try await call(client, "process_batch", ["batch_id": .string(id), "verification_data": .string("000000")])
            var state = ""
            for _ in 0..<500 where state != "PROCESSED" {
                try await Task.sleep(for: .milliseconds(20))
                let info = try await call(client, "get_batch_info", ["batch_id": .string(id), "page_size": .integer(10)])
                if case .array(let records)? = info["records"] { state = records.first?["state"]?.string ?? "" }
            }
            #expect(state == "PROCESSED")

            // As PHP's curl posts an array of fields: multipart, with the format header.
            var request = URLRequest(url: URL(string: server.baseURL + "/capitalist/")!)
            request.httpMethod = "POST"
            request.setValue("multipart/form-data; boundary=----phpcurl", forHTTPHeaderField: "Content-Type")
            request.setValue("json", forHTTPHeaderField: "x-response-format")
            let parts = ["login": "sandbox-capitalist", "operation": "get_accounts", "plain_password": "sandbox-capitalist-password"]
            request.httpBody = Data((parts.map { "------phpcurl\r\nContent-Disposition: form-data; name=\"\($0.key)\"\r\n\r\n\($0.value)\r\n" }.joined()
                + "------phpcurl--\r\n").utf8)
            let (data, response) = try await URLSession.shared.data(for: request)
            #expect((response as? HTTPURLResponse)?.value(forHTTPHeaderField: "x-response-format") == "json")
            let reply = try JSONValue.parse(Array(data))
            #expect(reply["code"] == .integer(0) && reply["data"]?["accounts"] != nil)
        }
    }

    @Test func batchesAreSignedWithTheAccountsKeyPlainOrEncrypted() async throws {
        let key = try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: 1024))
        let login = "sandbox-capitalist"
        // The encrypted file form: a salt line, then base64 of the PEM under RC4(SHA-1(salt + login + password)).
        let salt = "s4lt"
        var cipher = ReferenceRC4(key: Array(Insecure.SHA1.hash(data: Array((salt + login + "key-pass").utf8))))
        let file = TestFiles.path("capitalist") + ".key"
        try (salt + "\n" + Data(cipher.apply(Array(key.pemRepresentation.utf8))).base64EncodedString() + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }

        var plain = MemoryCredentialStore()
        plain.set(Secret(key.pemRepresentation), for: CredentialName(provider: "capitalist", field: "certificate"), in: .sandbox)
        let batch: [String: JSONValue] = [
            "batch": .string("CAPITALIST;U0100651;50;USD;9191;Payout\nWM;Z112224443331;1.1;USD;1003;Payout 2"),
            "verification_type": .string("SIGNATURE"),
        ]
        try await withClient(store: plain, { $0.capitalist.certificatePublicKeyPEM = key.publicKey.pemRepresentation }) { _, client in
            let imported = try await call(client, "import_batch_advanced", batch)
            #expect(imported["summary"] == .string("51.10"))
        }
        // The sandbox's own key does not match the one the simulator now expects.
        try await withClient({ $0.capitalist.certificatePublicKeyPEM = key.publicKey.pemRepresentation }) { _, client in
            await expectCode("110") { _ = try await call(client, "import_batch_advanced", batch) }
        }
        // The key from the encrypted file (no `certificate` credential, so none of the sandbox's).
        let provider = CapitalistProvider()
        let withoutSandboxKey = ProviderCredentials(
            provider: "capitalist", environment: .sandbox,
            secrets: ["login": Secret(login), "password": Secret("sandbox-capitalist-password"), "certificate_file": Secret(file),
                      "certificate_password": Secret("key-pass")])
        var configuration = SimulatorServer.Configuration()
        configuration.capitalist.certificatePublicKeyPEM = key.publicKey.pemRepresentation
        try await SimulatorFixture.with(configuration) { server in
            try await SimulatorFixture.with(HTTPSettings()) { transport in
                let client = try ProviderClient(
                    provider: provider, environment: .sandbox, credentials: withoutSandboxKey,
                    http: ProviderHTTPClient(transport: transport), sandboxServer: server.baseURL)
                let imported = try await call(client, "import_batch_advanced", batch)
                #expect(imported["id"]?.string != nil, "signed with the key decrypted from the file")
            }
        }
    }

    @Test func theDocumentedErrorsComeBackWithTheirMeaning() async throws {
        try await withClient(authentication: .plainPassword, { $0.capitalist.maximumFailedLogins = 3 }) { server, client in
            await expectCode("151") { _ = try await call(client, "launch_rockets") }
            await #expect {
                _ = try await call(client, "import_batch_advanced", ["batch": .string("CAPITALIST;U1;10;USD;1;ok\nCAPITALIST;U2;1,5;USD;2;comma"), "verification_type": .string("SIGNATURE")])
            } throws: { error in
                let error = error as? ProviderError
                return error?.code == "125" && error?.details["errorAtLine"] == "2" && error?.message.contains("Uploaded file cannot be parsed: line 2") == true
            }
            await expectCode("135") {
                _ = try await call(client, "import_batch_advanced", ["batch": .string("CAPITALIST;U1;2000000;USD;1;too much"), "verification_type": .string("SIGNATURE")])
            }
            // GET is not how Capitalist is called.
            let (status, body) = try await Self.raw(server.baseURL + "/capitalist/", method: "GET")
            #expect(status == 200 && body == "150;A non-POST query received")
        }
        var wrong = MemoryCredentialStore()
        wrong.set(Secret("not-the-password"), for: CredentialName(provider: "capitalist", field: "password"), in: .sandbox)
        try await withClient(authentication: .plainPassword, store: wrong, { $0.capitalist.maximumFailedLogins = 3 }) { _, client in
            await expectCode("15") { _ = try await call(client, "get_accounts") }
            await expectCode("15") { _ = try await call(client, "get_accounts") }
            await #expect { _ = try await call(client, "get_accounts") } throws: { error in
                (error as? ProviderError)?.code == "16" && (error as? ProviderError)?.message.contains("Try 30 minutes later") == true
            }
        }
        var stranger = MemoryCredentialStore()
        stranger.set(Secret("nobody"), for: CredentialName(provider: "capitalist", field: "login"), in: .sandbox)
        try await withClient(authentication: .plainPassword, store: stranger) { _, client in
            await expectCode("5") { _ = try await call(client, "get_accounts") }
        }
    }

    @Test func aFiveThousandLineBatchIsPagedAndUnpagedQueriesRefused() async throws {
        try await withClient { server, client in
            let lines = (1...5000).map { "CAPITALIST;U01\($0);0.01;USD;p\($0);line \($0)" }.joined(separator: "\n")
            let imported = try await call(client, "import_batch_advanced", ["batch": .string(lines), "verification_type": .string("SIGNATURE")])
            let id = try #require(imported["id"]?.string)
            #expect(imported["summary"] == .string("50.00"))
            await expectCode("25") { _ = try await call(client, "get_batch_info", ["batch_id": .string(id)]) }
            var numbers: [String] = []
            var offset = 0
            while offset < 5000 {
                let page = try await call(client, "get_batch_info", ["batch_id": .string(id), "page_size": .integer(1000), "start_offset": .integer(offset)])
                guard case .array(let records)? = page["records"], !records.isEmpty else { break }
                numbers += records.compactMap { $0["customNumber"]?.string }
                offset += records.count
            }
            #expect(numbers == (1...5000).map { "p\($0)" })
            _ = server
        }
    }

    /// A request made without payrun, to see the simulator's raw reply.
    static func raw(_ url: String, method: String) async throws -> (Int, String) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }
}

/// RC4 written again for the test, to make the encrypted key file the way Capitalist's client does.
struct ReferenceRC4 {
    private var s = [UInt8](0...255)
    private var i = 0
    private var j = 0

    init(key: [UInt8]) {
        var j = 0
        for i in 0..<256 {
            j = (j + Int(s[i]) + Int(key[i % key.count])) & 0xFF
            s.swapAt(i, j)
        }
    }

    mutating func apply(_ bytes: [UInt8]) -> [UInt8] {
        bytes.map { byte in
            i = (i + 1) & 0xFF
            j = (j + Int(s[i])) & 0xFF
            s.swapAt(i, j)
            return byte ^ s[(Int(s[i]) + Int(s[j])) & 0xFF]
        }
    }
}
