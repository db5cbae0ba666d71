// The Particeep simulator over real HTTP on loopback: signing enforced, state kept, errors in
// Particeep's shape.
import Foundation
import PayrunSimulators
import Testing

@Suite struct ParticeepSimulatorTests {
    @Test func theTestSignerMatchesTheDocumentsVector() {
        #expect(ParticeepClient.sign(key: "1234567890", secret: "0987654321", dateTime: "2015-10-19T11:04:18Z")
            == "PTP:1234567890:YzgwZWEyYjJjOWY4ZTZlNTA5NzgzZWU2N2IzZWNhMGFhMDZhY2RkMA==")
    }

    /// Runs `body` against a fresh server on a free loopback port.
    func withServer(seed: UInt64 = 1, _ body: (ParticeepClient) async throws -> Void) async throws {
        var configuration = SimulatorServer.Configuration()
        configuration.particeep.seed = seed
        configuration.particeep.users = 50
        configuration.particeep.transactions = 200
        let server = try await SimulatorServer.start(configuration)
        do {
            try await body(ParticeepClient(baseURL: server.baseURL))
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func signedRequestsAreServedWithMetadataHeaders() async throws {
        try await withServer { client async throws in
            let first = try await client.send("GET", "/info")
            #expect(first.status == 200)
            #expect(first.headers["meta-version"] == "1")
            #expect(first.headers["request-quotamax"] == "0")
            let second = try await client.send("GET", "/info")
            #expect(Int(second.headers["request-quota"] ?? "") == Int(first.headers["request-quota"] ?? "")! + 1)
        }
    }

    @Test func badSignaturesAndStaleDatesAre403InParticeepsShape() async throws {
        try await withServer { client async throws in
            let now = ParticeepClient.now()
            let cases: [([String: String], String)] = [
                (["DateTime": now, "Authorization": ParticeepClient.sign(key: client.key, secret: "wrong", dateTime: now)], "does not match"),
                (["Authorization": ParticeepClient.sign(key: client.key, secret: client.secret, dateTime: now)], "missing DateTime"),
                (["DateTime": "2015-10-19T11:04:18Z", "Authorization": ParticeepClient.sign(key: client.key, secret: client.secret, dateTime: "2015-10-19T11:04:18Z")], "away from the server's clock"),
                (["DateTime": "yesterday", "Authorization": "PTP:x:y"], "not ISO 8601"),
                (["DateTime": now], "missing Authorization"),
            ]
            for (headers, expected) in cases {
                let reply = try await client.send("GET", "/info", headers: headers)
                #expect(reply.status == 403)
                let body = reply.json as? [String: Any]
                #expect(body?["hasError"] as? Bool == true)
                let errors = body?["errors"] as? [[String: Any]]
                #expect(errors?.first?["technicalCode"] as? String == "error.authorization.invalid")
                #expect((errors?.first?["message"] as? String)?.contains(expected) == true, "\(headers)")
            }
        }
    }

    @Test func searchPagesWithTotalSizeAndFilters() async throws {
        try await withServer { client async throws in
            let page = try await client.send("GET", "/transaction/search?limit=7&offset=3")
            let body = page.json as? [String: Any]
            #expect(body?["total_size"] as? Int == 200)
            let data = body?["data"] as? [[String: Any]]
            #expect(data?.count == 7)
            #expect(data?.first?["id"] as? String == "txn_4")
            let pending = try await client.send("GET", "/transaction/search?status=PENDING&limit=1000")
            let items = (pending.json as? [String: Any])?["data"] as? [[String: Any]] ?? []
            #expect(!items.isEmpty && items.allSatisfy { $0["status"] as? String == "PENDING" })
            #expect(try await client.send("GET", "/transaction/search?limit=0").status == 400)
            #expect(try await client.send("GET", "/transaction/search?offset=-1").status == 400)
        }
    }

    @Test func createdObjectsAreKeptChangedAndDeleted() async throws {
        try await withServer { client async throws in
            let created = try await client.send("PUT", "/transaction", body: ["amount": 1250, "currency": "EUR", "custom": ["batch": ["b-1", 2]]])
            #expect(created.status == 200)
            let object = created.json as? [String: Any]
            let id = object?["id"] as? String ?? ""
            #expect(object?["status"] as? String == "PENDING")
            #expect(((object?["custom"] as? [String: Any])?["batch"] as? [Any])?.count == 2)
            let read = try await client.send("GET", "/transaction/\(id)")
            #expect((read.json as? [String: Any])?["amount"] as? Int == 1250)
            let updated = try await client.send("POST", "/transaction/\(id)", body: ["status": "SUCCEEDED"])
            #expect((updated.json as? [String: Any])?["status"] as? String == "SUCCEEDED")
            #expect(try await client.send("DELETE", "/transaction/\(id)").status == 200)
            let gone = try await client.send("GET", "/transaction/\(id)")
            #expect(gone.status == 404)
            #expect(((gone.json as? [String: Any])?["errors"] as? [[String: Any]])?.first?["technicalCode"] as? String == "error.transaction.none")
        }
    }

    @Test func badInputIs400NeverA500() async throws {
        try await withServer { client async throws in
            #expect(try await client.send("PUT", "/transaction", rawBody: "{not json").status == 400)
            #expect(try await client.send("PUT", "/transaction", body: ["amount": 12.5, "currency": "EUR"]).status == 400)
            #expect(try await client.send("PUT", "/transaction", body: ["amount": 100, "currency": "euro"]).status == 400)
            #expect(try await client.send("PUT", "/user", body: ["first_name": "No email"]).status == 400)
            #expect(try await client.send("POST", "/user/usr_1", rawBody: "[1, 2]").status == 400)
            #expect(try await client.send("DELETE", "/user/nobody").status == 404)
        }
    }

    @Test func theSameSeedGivesTheSameData() async throws {
        var first: [String: Any]?
        try await withServer(seed: 7) { first = try await $0.send("GET", "/user/usr_10").json as? [String: Any] }
        var second: [String: Any]?
        try await withServer(seed: 7) { second = try await $0.send("GET", "/user/usr_10").json as? [String: Any] }
        #expect(first?["email"] as? String != nil)
        #expect(first?["email"] as? String == second?["email"] as? String)
    }
}
