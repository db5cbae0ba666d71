// `payrun run --dry-run` against simulators the test starts (PAYRUN_SANDBOX_URL), one provider
// a test: what the provider counts as a read is sent and answered, every mutation is described on
// standard error and never reaches the simulator, whatever HTTP method either uses.
import Foundation
import PayrunSimulators
import PayrunTestSupport
import Testing

@Suite struct DryRunTests {
    /// Runs `code` with `payrun run --dry-run` against `server`.
    func dryRun(_ code: String, on server: SimulatorServer) async throws -> PayrunProcess.Result {
        try await PayrunProcess.run(["run", "--dry-run", "-e", code], environment: ["PAYRUN_SANDBOX_URL": server.baseURL])
    }

    func withServer(_ body: (SimulatorServer) async throws -> Void) async throws {
        var configuration = SimulatorServer.Configuration()
        configuration.particeep.users = 5
        configuration.particeep.transactions = 5
        try await SimulatorFixture.with(configuration, body)
    }

    /// The `dry run, not sent:` notes in `text`, each cut after the method and path.
    func notSent(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            guard let range = line.range(of: "dry run, not sent: ") else { return nil }
            return line[range.upperBound...].split(separator: " ").prefix(2).joined(separator: " ")
        }
    }

    @Test func particeepReadsAreSentAndMutationsDescribed() async throws {
        try await withServer { server in
            let result = try await dryRun("""
                local p = payrun.provider("particeep")
                print(p:get("/user/usr_1").id)
                local t, response = p:put("/transaction", { amount = 700, currency = "EUR" })
                print(t.amount, response.dry_run)
                p:delete("/user/usr_2")
                print(p:get("/user/usr_2").id)
                """, on: server)
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardOutput == "usr_1\n700\ttrue\nusr_2\n", "the user a dry-run delete named is still there")
            #expect(notSent(result.standardError) == ["PUT \(server.baseURL)/particeep/v1/transaction", "DELETE \(server.baseURL)/particeep/v1/user/usr_2"])
            let methods = Set(server.requests.all.filter { $0.path.hasPrefix("/particeep") }.map(\.method))
            #expect(methods == ["GET"], "only reads reached the simulator: \(methods)")
        }
    }

    @Test func tradevestReadsAreSentAndMutationsDescribed() async throws {
        try await withServer { server in
            let result = try await dryRun("""
                local t = payrun.provider("tradevest", { headers = { ["Requestor-ID"] = "3f1b6c1e-0000-4000-8000-000000000001" } })
                local created = t:post("/customers/natural-persons", { firstName = "Ada", lastName = "Lovelace", email = "ada@example.com",
                  birthDate = "1980-12-10", externalId = "dry-1" })
                print(created.externalId, #t:get("/customers").data)
                """, on: server)
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardOutput == "dry-1\t0\n", "the customer was described, not created")
            #expect(notSent(result.standardError) == ["POST \(server.baseURL)/tradevest/customers/natural-persons"])
            #expect(!server.requests.all.contains { $0.method == "POST" && $0.path.hasPrefix("/tradevest/customers") })
            #expect(server.requests.all.contains { $0.method == "GET" && $0.path == "/tradevest/customers" })
        }
    }

    @Test func capitalistReadsAreSentThoughTheyArePOSTs() async throws {
        try await withServer { server in
            let result = try await dryRun("""
                local c = payrun.provider("capitalist")
                local before = c:get_accounts().accounts[1].balance
                print("accounts", before)
                print("verified", c:is_verified_account({ account = "U0000001" }).verified ~= nil)
                print("rates", #c:currency_rates().rates > 0)
                print("history", c:get_documents_history_ext({ limit = 50, page = 1 }).history ~= nil)
                print("search", c:documents_search({ customNumber = "none" }) ~= nil)
                local batch, response = c:import_batch(c:batch({ { account = "U0100651", amount = 5, currency = "USD", number = "dry-1", description = "x" } }))
                print("import", response.dry_run)
                print("info", select(2, c:trycall("get_batch_info", { batch_id = "no-such-batch" })).code)
                print("process", select(2, c:process_batch({ batch_id = "b1", verification_data = "0000" })).dry_run)
                print("after", c:get_accounts().accounts[1].balance == before)
                """, on: server)
            #expect(result.status == 0, "\(result.standardError)")
            let lines = result.standardOutput.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("accounts\t") == true && lines.first != "accounts\tnil", "get_accounts answered: \(lines)")
            #expect(lines.dropFirst().prefix(4) == ["verified\ttrue", "rates\ttrue", "history\ttrue", "search\ttrue"])
            #expect(lines.contains("import\ttrue") && lines.contains("process\ttrue"))
            #expect(lines.contains { $0.hasPrefix("info\t") && $0 != "info\tnil" }, "get_batch_info reached the simulator and was refused there")
            #expect(lines.last == "after\ttrue", "no batch was imported: the balance did not move")
            #expect(notSent(result.standardError) == ["POST \(server.baseURL)/capitalist/", "POST \(server.baseURL)/capitalist/"],
                    "import_batch_advanced and process_batch only: \(result.standardError)")
        }
    }

    @Test func peexReadsAreSentAndPaymentsDescribed() async throws {
        try await withServer { server in
            let result = try await dryRun("""
                local p = payrun.provider("peex")
                print(p:get("/clients/me").solde ~= nil)
                local sent, response = p:post("/clients/request_payment", { track_id = "dry-1", mobile_phone = "+237677000001", amount = 1000,
                  from_currency = "XAF", aml_cft = true, first_name = "Ama", last_name = "Njoh", to_country = "CM",
                  sender_mobile_phone = "+33612345678", sender_country = "FR", purpose = "family support", fund_origin = "salary" })
                print(sent.track_id, response.dry_run)
                local found, err = p:tryrequest({ path = "/clients/all_requests", query = { track_id = "dry-1" } })
                print(found == nil and err.status)
                """, on: server)
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardOutput == "true\ndry-1\ttrue\n404\n", "Peex knows no request dry-1")
            #expect(notSent(result.standardError) == ["POST \(server.baseURL)/peex/api/v3/clients/request_payment"])
            #expect(!server.requests.all.contains { $0.method == "POST" && $0.path.hasPrefix("/peex") })
        }
    }
}
