// The example scripts in scripts/examples, run as a user runs them, against the built-in
// simulators (the default sandbox environment), with their output checked.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif
import PayrunSimulators
import PayrunTestSupport
import Testing

@Suite struct ExampleScriptTests {
    @Test func dailyTotalsAddsADayExactlyByStatusAndCurrency() async throws {
        let result = try await PayrunProcess.run(["run", "scripts/examples/daily-totals.lua", "2024-03-01"])
        #expect(result.status == 0, "\(result.standardError)")
        // Seed 1's data: the same every run.
        #expect(result.standardOutput == """
            Particeep transactions on 2024-03-01 (sandbox): 14
              CANCELLED  USD      2        8002.00
              PENDING    GBP      2        3371.00
              REFUNDED   EUR      1        3063.00
              REFUNDED   USD      1        1570.00
              SUCCEEDED  EUR      7       18760.00
              SUCCEEDED  GBP      1        4165.00

            """)
        let bad = try await PayrunProcess.run(["run", "scripts/examples/daily-totals.lua", "yesterday"])
        #expect(bad.status == 1)
        #expect(bad.standardError.contains("DAY must look like 2024-03-01, not yesterday"))
    }

    @Test func verboseTracesEveryPageRequest() async throws {
        let result = try await PayrunProcess.run(["run", "--verbose", "scripts/examples/daily-totals.lua", "2024-03-01"])
        #expect(result.status == 0)
        let traces = result.standardError.split(separator: "\n").filter { $0.hasPrefix("payrun: GET http://127.0.0.1:") }
        #expect(traces.count == 1, "one page of 200 holds the day")
        #expect(traces.first?.contains("/particeep/v1/transaction/search?") == true && traces.first?.contains(" → 200 in ") == true)
    }

    @Test func stalePendingListsTheOldestFirst() async throws {
        let result = try await PayrunProcess.run(["run", "scripts/examples/stale-pending.lua", "400"])
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.first?.contains("users have transactions pending since before") == true)
        let since = lines.dropFirst().compactMap { line -> String? in
            guard let range = line.range(of: "pending since ") else { return nil }
            return String(line[range.upperBound...].prefix(10))
        }
        #expect(since.count == 10)
        #expect(since == since.sorted(), "oldest first")
        #expect(lines.dropFirst().first?.contains("@example.com") == true, "users are looked up by id")
    }

    @Test func tradevestOnboardingCreatesNobodyTwice() async throws {
        try await SimulatorFixture.with(SimulatorServer.Configuration()) { server in
            let environment = ["PAYRUN_SANDBOX_URL": server.baseURL]
            let arguments = ["run", "scripts/examples/tradevest-onboard.lua", "scripts/examples/people.csv"]
            // PayrunProcess runs it twice itself: once to onboard, once more as a re-run.
            let first = try await PayrunProcess.run(arguments, environment: environment)
            #expect(first.status == 0, "\(first.standardError)")
            #expect(first.standardOutput == """
                status   email                 name           note
                -------  --------------------  -------------  --------------------------------------
                CREATED  ada@example.com       Ada Lovelace
                CREATED  grace@example.com     Grace Hopper
                INVALID  alan@invalid.example  Alan Turing    email address does not exist
                INVALID  young@example.com     Young Student  customer must be at least 18 years old
                2 onboarded, 0 already there, 2 invalid, 0 failed

                """)
            let again = try await PayrunProcess.run(arguments, environment: environment)
            #expect(again.standardOutput.hasSuffix("0 onboarded, 2 already there, 2 invalid, 0 failed\n"))
            #expect(again.standardOutput.contains("\nCREATED  ada@example.com       Ada Lovelace   already onboarded\n"))
            let creates = server.requests.all.filter { $0.method == "POST" && $0.path == "/tradevest/customers/natural-persons" }
            #expect(creates.filter { $0.status == 201 }.count == 4, "four people, each created once over four runs")
            #expect(creates.filter { $0.status == 409 }.count == 12, "the three re-runs each found all four")
        }
    }

    @Test func thePayingExamplesRunToTheirEndUnderDryRunAndSendNothing() async throws {
        // Each stops where what it only described would have made its next step (a batch to
        // follow, payments and customers to wait for): they crashed there before payrun.dry_run.
        try await SimulatorFixture.with(SimulatorServer.Configuration()) { server in
            let environment = ["PAYRUN_SANDBOX_URL": server.baseURL]
            let runs: [(script: String, input: String, says: String)] = [
                ("capitalist-payout.lua", "payouts.csv", "dry run: a batch of 4 payments, not uploaded"),
                ("peex-payouts.lua", "mobile-payouts.csv", "4 described, not sent, 0 already with Peex"),
                ("tradevest-onboard.lua", "people.csv", "dry run: 4 customers described, none submitted"),
            ]
            for run in runs {
                let result = try await PayrunProcess.run(
                    ["run", "--dry-run", "scripts/examples/" + run.script, "scripts/examples/" + run.input], environment: environment)
                #expect(result.status == 0, "\(run.script): \(result.standardError)")
                #expect(result.standardOutput.contains(run.says), "\(run.script): \(result.standardOutput)")
                #expect(result.standardError.contains("dry run, not sent: POST"), "\(run.script): \(result.standardError)")
            }
            let mutations = server.requests.all.filter { entry in
                ["import_batch", "request_payment", "natural-persons"].contains { entry.path.contains($0) }
            }
            #expect(mutations.isEmpty, "nothing was sent: \(mutations.map(\.path))")
        }
    }

    @Test func capitalistPayoutPaysEachLineOnceAcrossReRuns() async throws {
        var configuration = SimulatorServer.Configuration()
        configuration.capitalist.processingDelay = .milliseconds(50)
        try await SimulatorFixture.with(configuration) { server in
            let environment = ["PAYRUN_SANDBOX_URL": server.baseURL]
            let arguments = ["run", "scripts/examples/capitalist-payout.lua", "scripts/examples/payouts.csv"]
            let first = try await PayrunProcess.run(arguments, environment: environment)
            #expect(first.status == 0, "\(first.standardError)")
            #expect(first.standardOutput == """
                batch 1: 4 payments
                outcome   number        amount  currency  to        note
                --------  ------------  ------  --------  --------  -----------------------------
                PAID      PO-2026-0001   50.00  USD       U0100651
                PAID      PO-2026-0002   12.35  USD       U0100652
                DECLINED  PO-2026-0003    8.00  USD       U0000000  beneficiary account not found
                PAID      PO-2026-0004  100.10  EUR       E0200001
                3 paid (100.10 EUR, 62.35 USD), 1 declined, 0 sent by an earlier run

                """)
            // PayrunProcess ran it a second time already; a third run finds every payment too.
            let again = try await PayrunProcess.run(arguments, environment: environment)
            #expect(again.standardOutput.hasPrefix("nothing new to pay\noutcome  number        amount  currency  to        note\n"))
            #expect(again.standardOutput.contains("\nEARLIER  PO-2026-0001   50.00  USD       U0100651  PROCESSED\n"))
            #expect(again.standardOutput.hasSuffix("0 paid (nothing), 0 declined, 4 sent by an earlier run\n"))
            #expect(again.standardOutput.contains("\nEARLIER  PO-2026-0003    8.00  USD       U0000000  DECLINED\n"))
        }
    }

    @Test func peexPayoutsCrashedMidListAndRunAgainPayEachOnce() async throws {
        var configuration = SimulatorServer.Configuration()
        configuration.peex.processingDelay = .milliseconds(30)
        configuration.faults = try FaultPlan(parsing: "POST /peex/api/v3/clients/request_payment: latency=300ms")
        try await SimulatorFixture.with(configuration) { server in
            // A store of their own: the crashed run and the run after it are one job, resumed.
            let environment = [
                "PAYRUN_SANDBOX_URL": server.baseURL, "PAYRUN_STATE": TestFiles.path("payrun-peex") + "/state.db",
            ]
            let arguments = ["run", "scripts/examples/peex-payouts.lua", "scripts/examples/mobile-payouts.csv"]
            func posts() -> [RequestJournal.Entry] {
                server.requests.all.filter { $0.method == "POST" && $0.path.hasSuffix("/clients/request_payment") }
            }
            // Killed as soon as the first payout has been answered, with three still to send.
            let crashed = try PayrunProcess.start(arguments, environment: environment)
            for _ in 0..<500 where posts().isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            kill(crashed.processIdentifier, SIGKILL)
            crashed.waitUntilExit()
            #expect(posts().count < 4, "the crash came before the end of the list")

            let rerun = try await PayrunProcess.run(arguments, environment: environment)
            #expect(rerun.status == 0, "\(rerun.standardError)")
            #expect(rerun.standardOutput.hasSuffix("2 paid, 2 failed or rejected, 0 still waiting\n"))
            #expect(!rerun.standardOutput.hasPrefix("4 sent"), "what the crashed run sent is not sent again")
            // Peex holds one request per payout, and the balance paid each once.
            var request = URLRequest(url: URL(string: server.baseURL + "/peex/api/v3/clients/all_requests")!)
            request.setValue(PeexSimulator.sandboxSecretKey, forHTTPHeaderField: "SECRETKEY")
            let (data, _) = try await URLSession.shared.data(for: request)
            let tracks = (try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []).compactMap { $0["track_id"] as? String }
            #expect(tracks.sorted() == ["MP-0001", "MP-0002", "MP-0003", "MP-0004"])
            var me = URLRequest(url: URL(string: server.baseURL + "/peex/api/v3/clients/me")!)
            me.setValue(PeexSimulator.sandboxSecretKey, forHTTPHeaderField: "SECRETKEY")
            let (client, _) = try await URLSession.shared.data(for: me)
            let solde = (try JSONSerialization.jsonObject(with: client) as? [String: Any])?["solde"] as? Double
            #expect(solde.map { Int($0) } == 9_962_500, "10,000,000 less the two payable payouts (15,000 and 22,500), each paid once")
        }
    }

    @Test func particeepPayoutsCrashedMidListPayEachOnceAndPostOneSummary() async throws {
        var configuration = SimulatorServer.Configuration()
        // The worst moment: the second payout is applied at Particeep, its answer held back, the run killed meanwhile.
        configuration.faults = try FaultPlan(parsing: "PUT /particeep/v1/transaction: after=1 lose-answer latency=5s")
        let chat = try await ServiceReceiver.start()
        try await SimulatorFixture.with(configuration) { server in
            let environment = [
                "PAYRUN_SANDBOX_URL": server.baseURL, "PAYRUN_STATE": TestFiles.path("payrun-particeep") + "/state.db",
                "PAYRUN_SANDBOX_CHAT_WEBHOOK_URL": "\(chat.url)/services/T0/B0/payout-hook-4d7a", "PAYRUN_CONFIG": "/nonexistent/config.toml",
            ]
            let arguments = ["run", "--allow-host", "127.0.0.1:\(chat.port)", "scripts/examples/particeep-payouts.lua", "scripts/examples/particeep-payouts.csv"]
            func puts() -> [RequestJournal.Entry] {
                server.requests.all.filter { $0.method == "PUT" && $0.path.hasSuffix("/transaction") }
            }
            let crashed = try PayrunProcess.start(arguments, environment: environment)
            for _ in 0..<1000 where puts().count < 2 { try await Task.sleep(for: .milliseconds(10)) }
            try await Task.sleep(for: .milliseconds(200))
            kill(crashed.processIdentifier, SIGKILL)
            crashed.waitUntilExit()
            server.faults.replace(with: FaultPlan())
            #expect(puts().count == 2, "killed while the second payout's answer was held back")
            #expect(chat.received.isEmpty, "the crashed run never reached its summary")

            let rerun = try await PayrunProcess.runOnce(arguments, environment: environment)
            #expect(rerun.status == 0, "\(rerun.standardError)")
            #expect(puts().count == 5, "the payout in doubt was found by its reference, not sent again")
            #expect(rerun.standardOutput.hasSuffix("5 payouts, 4540.49 in all\nSummary posted to chat.\n"), "\(rerun.standardOutput)")
            #expect(!rerun.standardOutput.contains("payout-hook"))
            #expect(chat.received.map(\.text) == [#"{"text":"Particeep payouts: 5 payouts, 4540.49 in all"}"#])
            // Particeep holds one transaction per payout reference.
            let count = try await PayrunProcess.runOnce(["run", "-e", """
                local refs = {}
                for t in payrun.provider("particeep"):paginate("/transaction/search", { issuer_id = "usr_1" }) do
                  local ref = t.custom and t.custom.payout_ref
                  if ref then refs[#refs + 1] = ref end
                end
                table.sort(refs)
                print(table.concat(refs, " "))
                """], environment: ["PAYRUN_SANDBOX_URL": server.baseURL, "PAYRUN_STATE": TestFiles.path("payrun-count") + ".db"])
            #expect(count.standardOutput == "PP-2026-11-0001 PP-2026-11-0002 PP-2026-11-0003 PP-2026-11-0004 PP-2026-11-0005\n", "\(count.standardError)")
        }
        await chat.stop()
    }
}
