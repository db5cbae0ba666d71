// `--data`: the simulators start from a JSON file instead of generated data, and a bad file is
// refused with the record and the problem named.
import Foundation
import PayrunFormats
import PayrunSimulators
import PayrunTestSupport
import Testing

@Suite struct SandboxDataTests {
    @Test func aDataFileIsServedAsGiven() async throws {
        var configuration = SimulatorHarness.configuration()
        configuration.data = try SandboxData(json: data("""
            {"particeep": {
              "users": [{"id": "u-ada", "email": "ada@example.com", "first_name": "Ada", "created_at": "2020-01-02T03:04:05Z"}],
              "wallets": [{"id": "w-ada", "user_id": "u-ada", "currency": "EUR", "balance": 5000}],
              "transactions": [
                {"id": "t-1", "amount": 900, "currency": "EUR", "status": "SUCCEEDED", "issuer_id": "u-ada", "custom": {"ref": "INV-1"}},
                {"amount": 100, "currency": "EUR"}
              ]
            }}
            """))
        try await SimulatorHarness.withServer(configuration) { _, client in
            let user = try await client.send("GET", "/user/u-ada").object
            #expect(user["created_at"] as? String == "2020-01-02T03:04:05Z")
            #expect(try await client.send("GET", "/wallet/w-ada").object["balance"] as? Int == 5000)
            let transactions = try await client.send("GET", "/transaction/search")
            #expect(transactions.object["total_size"] as? Int == 2)
            #expect(transactions.items.first?["status"] as? String == "SUCCEEDED")
            #expect((transactions.items.first?["custom"] as? [String: Any])?["ref"] as? String == "INV-1")
            #expect(transactions.items.last?["id"] as? String == "txn_1", "records without an id get one")
            let created = try await client.send("PUT", "/transaction", body: ["amount": 1, "currency": "EUR"])
            #expect(created.object["id"] as? String == "txn_2")
        }
    }

    @Test func aBadDataFileNamesTheRecordAndTheProblem() throws {
        let cases = [
            (#"{"stripe": {}}"#, "'stripe' is not a simulated provider"),
            (#"{"particeep": {"transactions": [{"amount": 1, "currency": "EUR"}, {"amount": -5, "currency": "EUR"}]}}"#, "particeep.transactions[1]: transaction.amount must be a positive integer"),
            (#"{"particeep": {"wallets": [{"user_id": "nobody", "currency": "EUR"}]}}"#, "particeep.wallets[0]: user_id nobody is not a user"),
            (#"{"particeep": {"users": [{"id": "a", "email": "a@x"}, {"id": "a", "email": "b@x"}]}}"#, "particeep.users[1]: id a is used twice"),
            (#"{"particeep": {"accounts": []}}"#, "particeep.accounts: unknown"),
        ]
        for (text, expected) in cases {
            let description: String
            do {
                var configuration = SimulatorServer.Configuration()
                configuration.data = try SandboxData(json: data(text))
                _ = try ParticeepSimulator(configuration.particeep, data: try data(text)["particeep"])
                description = "accepted"
            } catch {
                description = "\(error)"
            }
            #expect(description.contains(expected), "\(text) → \(description)")
        }
    }

    @Test func aFileThatIsNotJSONSaysWhere() throws {
        let path = URL(fileURLWithPath: TestFiles.path("payrun-data") + ".json").path
        try Data(#"{"particeep": {"users": [}"#.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            try SandboxData(contentsOfFile: path)
        } throws: { error in
            "\(error)".contains(path) && "\(error)".contains("at byte 25")
        }
        #expect(throws: SimulatorError.self) { try SandboxData(contentsOfFile: "/nonexistent/data.json") }
    }

    private func data(_ text: String) throws -> JSONValue {
        try JSONValue.parse(Array(text.utf8))
    }
}
