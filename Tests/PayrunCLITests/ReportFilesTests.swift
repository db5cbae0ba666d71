// `payrun run --out DIR` and payrun.output: reports that appear whole when the script succeeds,
// are kept as .partial when it fails, never hold a credential, and only under plain names.
import Foundation
import PayrunTestSupport
import Testing

@Suite struct ReportFilesTests {
    let folder = TestFiles.path("payrun-reports")

    func script(_ source: String) throws -> String {
        let path = TestFiles.path("payrun-report") + ".lua"
        try source.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func contents(_ name: String) -> String? {
        try? String(contentsOfFile: folder + "/" + name, encoding: .utf8)
    }

    func names() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    @Test func reportsAppearWhenTheScriptSucceedsAndArePartialWhenItFails() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = try script("""
            local matched = payrun.output("matched.csv")
            matched:write(payrun.csv.encode({ { id = "p_1", amount = payrun.decimal.new("12.50") }, { id = "p_2", amount = "3" } }))
            local missing = payrun.csv.writer(payrun.output("missing.csv"), { columns = { "id", "amount" } })
            for i = 1, 3 do missing:write({ id = "m_" .. i, amount = i * 10 }) end
            payrun.output("summary.txt"):write("matched ", 2, "; key ", "sk_test_reportsecret_42", "\\n")
            local events = payrun.output("events.jsonl")
            payrun.json.write(events, { id = "p_1", amount = payrun.decimal.new("12.50"), note = "sk_test_reportsecret_42" }, { sort_keys = true })
            payrun.json.write(events, payrun.json.array({ 1, 2 })):write("end\\n")
            assert(not pcall(payrun.json.write, payrun.stdout, {}), "json.write takes a report")
            if arg[1] == "fail" then error("the ledger ran out") end
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let environment = ["PAYRUN_SANDBOX_PARTICEEP_API_SECRET": "sk_test_reportsecret_42", "PAYRUN_STATE": folder + "-state/state.db"]
        defer { try? FileManager.default.removeItem(atPath: folder + "-state") }
        let succeeded = try await PayrunProcess.runOnce(["run", "--out", folder, path], environment: environment)
        #expect(succeeded.status == 0, "\(succeeded.standardError)")
        #expect(names() == ["events.jsonl", "matched.csv", "missing.csv", "summary.txt"], "no temporary file is left")
        #expect(contents("events.jsonl") == "{\"amount\":12.50,\"id\":\"p_1\",\"note\":\"[redacted particeep.api_secret]\"}\n[1,2]\nend\n")
        #expect(contents("matched.csv") == "amount,id\r\n12.50,p_1\r\n3,p_2\r\n")
        #expect(contents("missing.csv") == "id,amount\r\nm_1,10\r\nm_2,20\r\nm_3,30\r\n")
        let summary = contents("summary.txt") ?? ""
        #expect(summary.hasPrefix("matched 2; key ") && !summary.contains("sk_test_reportsecret_42"), "a credential never reaches a report: \(summary)")

        let failed = try await PayrunProcess.runOnce(["run", "--out", folder, path, "fail"], environment: environment)
        #expect(failed.status != 0)
        #expect(failed.standardError.contains("the ledger ran out"))
        #expect(failed.standardError.contains("(the reports it wrote are kept as \(folder)/matched.csv.partial, \(folder)/missing.csv.partial, \(folder)/summary.txt.partial, \(folder)/events.jsonl.partial; "
                + "\(folder)/matched.csv, \(folder)/missing.csv, \(folder)/summary.txt, \(folder)/events.jsonl beside them are from an earlier run)"),
                "the whole reports of the earlier run are said to be that: \(failed.standardError)")
        #expect(names() == ["events.jsonl", "events.jsonl.partial", "matched.csv", "matched.csv.partial", "missing.csv", "missing.csv.partial",
                            "summary.txt", "summary.txt.partial"],
                "the finished reports of the earlier run stay as they were")

        let again = try await PayrunProcess.runOnce(["run", "--out", folder, path], environment: environment)
        #expect(again.status == 0)
        #expect(names() == ["events.jsonl", "matched.csv", "missing.csv", "summary.txt"], "a success clears the stale .partial files")
    }

    /// Killed after a payment, a run left its report's rows in a buffer, lost, and its temporary
    /// file for good: no later run renamed or removed it.
    @Test func aRunKilledAfterAPaymentKeepsTheRowsWrittenBeforeItAndLeavesNothingBehind() async throws {
        let folder = TestFiles.path("payrun-killed-reports")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let sandbox = try SandboxProcess()
        let path = try script("""
            local paid = payrun.output("paid.csv")
            local particeep = payrun.provider("particeep")
            for i = 1, 3 do
              paid:write("paying ", i, "\\n")
              particeep:put("/transaction", { issuer_id = "usr_1", recipient_id = "usr_" .. (i + 1), amount = 100 * i, currency = "EUR" })
            end
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let environment = ["PAYRUN_SANDBOX_URL": sandbox.url, "PAYRUN_STATE": folder + "-state/state.db"]
        defer { try? FileManager.default.removeItem(atPath: folder + "-state") }
        let killed = try await PayrunProcess.runOnce(
            ["run", "--out", folder, path], environment: environment.merging(["PAYRUN_TEST_CRASH": "after-answer:2"]) { $1 })
        #expect(killed.status == SIGKILL, "\(killed.standardError)")
        let left = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".tmp") }
        #expect(left.count == 1, "\(left)")
        let written = left.first.flatMap { try? String(contentsOfFile: folder + "/" + $0, encoding: .utf8) }
        #expect(written == "paying 1\npaying 2\n", "the rows written before each payment went: \(written ?? "nil")")
        // Another machine's, in a folder shared with it, is its own to judge.
        let elsewhere = ".paid.csv.payrun-elsewhere-1.tmp"
        try "theirs".write(toFile: folder + "/" + elsewhere, atomically: true, encoding: .utf8)
        // Resumed: it stops at the Particeep payment in doubt, its own report kept as .partial.
        let resumed = try await PayrunProcess.runOnce(["run", "--out", folder, path], environment: environment)
        #expect(resumed.status == 4, "\(resumed.standardError)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted() == [elsewhere, "paid.csv.partial"],
                "the killed run's file is gone, another machine's is not")
    }

    @Test func withoutOutOrWithAPathTheScriptIsToldWhatToFix() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let state = ["PAYRUN_STATE": folder + "-state/state.db"]
        defer { try? FileManager.default.removeItem(atPath: folder + "-state") }
        let noFolder = try await PayrunProcess.runOnce(["run", "-e", "payrun.output('x.csv')"], environment: state)
        #expect(noFolder.standardError.contains("payrun.output needs a folder for reports: run the script with --out DIR"))
        for name in ["../x.csv", "a/b.csv", ".hidden", "x.csv.partial", ""] {
            let refused = try await PayrunProcess.runOnce(["run", "--out", folder, "-e", "payrun.output('\(name)')"], environment: state)
            #expect(refused.status != 0 && refused.standardError.contains("bad argument #1 to 'output' ('\(name)' is not a plain file name"),
                    "\(name): \(refused.standardError)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder + "/../x.csv"))
    }
}
