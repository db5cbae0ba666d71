// /_sandbox/requests: what a script sent, for tests and for a user debugging one, without the
// headers that carry credentials.
import Foundation
import PayrunSimulators
import Testing

@Suite struct RequestJournalTests {
    @Test func requestsAreListedWithoutHeaders() async throws {
        try await SimulatorHarness.withServer { server, client in
            _ = try await client.send("GET", "/transaction/search?status=PENDING&limit=2")
            _ = try await client.send("GET", "/info", headers: ["DateTime": "nope"])
            let listed = try await client.send("GET", "/_sandbox/requests")
            let requests = listed.object["requests"] as? [[String: Any]] ?? []
            #expect(requests.count == 2, "admin requests are not listed")
            #expect(requests.first?["method"] as? String == "GET")
            #expect(requests.first?["path"] as? String == "/particeep/v1/transaction/search")
            #expect(requests.first?["query"] as? String == "status=PENDING&limit=2")
            #expect(requests.first?["status"] as? Int == 200)
            #expect(requests.last?["status"] as? Int == 403)
            #expect(!listed.text.contains(client.secret) && !listed.text.contains("PTP:"))
            #expect(try await client.send("DELETE", "/_sandbox/requests").status == 204)
            #expect(server.requests.all.isEmpty)
        }
    }

    @Test func theJournalKeepsTheNewestUpToItsCapacity() async throws {
        var configuration = SimulatorHarness.configuration()
        configuration.journalCapacity = 3
        try await SimulatorHarness.withServer(configuration) { server, client in
            for number in 1...5 { _ = try await client.send("GET", "/user/usr_\(number)") }
            #expect(server.requests.all.map(\.path) == ["/particeep/v1/user/usr_3", "/particeep/v1/user/usr_4", "/particeep/v1/user/usr_5"])
        }
    }
}
