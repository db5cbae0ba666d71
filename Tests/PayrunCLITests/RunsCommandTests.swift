// `payrun run` as a durable run and `payrun runs` as the audit trail, as an operator uses them:
// what is listed and shown, what resumes and what starts afresh, and a state store that cannot be
// written stopping a run before it sends anything.
import Foundation
import PayrunTestSupport
import Testing

@Suite(.serialized) struct RunsCommandTests {
    static func temporaryState() -> String {
        TestFiles.path("payrun-runs") + "/state.db"
    }

    /// Pays three Particeep transactions, then fails when its argument says so.
    static func payoutScript() throws -> String {
        let path = TestFiles.path("payrun-runs") + ".lua"
        try """
            local particeep = payrun.provider("particeep")
            for i = 1, 3 do
              particeep:put("/transaction", { issuer_id = "usr_1", recipient_id = "usr_" .. (i + 1), amount = 100 * i, currency = "EUR" })
            end
            if arg[1] == "fail" then error("stopped on purpose") end
            print("paid")
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func runsAreListedShownAndVerified() async throws {
        let state = Self.temporaryState()
        let script = try Self.payoutScript()
        let environment = ["PAYRUN_STATE": state]
        let run = try await PayrunProcess.runOnce(["run", script], environment: environment)
        #expect(run.status == 0, "\(run.standardError)")

        let list = try await PayrunProcess.runOnce(["runs"], environment: environment)
        let lines = list.standardOutput.split(separator: "\n")
        #expect(lines.first?.hasPrefix("ID") == true && lines.first?.contains("MUTATIONS") == true)
        #expect(lines.count == 2)
        let row = lines.last.map(String.init) ?? ""
        #expect(row.hasPrefix("r_") && row.contains(script) && row.contains("sandbox") && row.contains("finished") && row.hasSuffix("3"))
        let id = String(row.prefix(18))

        let shown = try await PayrunProcess.runOnce(["runs", "show", id], environment: environment)
        #expect(shown.status == 0)
        #expect(shown.standardOutput.components(separatedBy: "sent     particeep PUT /transaction").count == 4)
        // What each payment was: amount and currency first.
        #expect(shown.standardOutput.contains("sent     particeep PUT /transaction amount=200 currency=EUR issuer_id=usr_1 recipient_id=usr_3\n"), "\(shown.standardOutput)")
        #expect(shown.standardOutput.components(separatedBy: "answered 200 id=txn_").count == 4)
        #expect(shown.standardOutput.contains("attempt ended: finished (exit 0)"))

        let json = try await PayrunProcess.runOnce(["runs", "show", "--json", id], environment: environment)
        let document = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
        #expect((document?["run"] as? [String: Any])?["mutations"] as? Int == 3)
        #expect((document?["records"] as? [Any])?.count == 8)

        let verify = try await PayrunProcess.runOnce(["runs", "verify"], environment: environment)
        #expect(verify.standardOutput == "the journal is intact: 8 records checked\n")
        let unknown = try await PayrunProcess.runOnce(["runs", "show", "r_0000000000000000"], environment: environment)
        // A mistyped --state is said, not opened as a new, empty store.
        let typo = try await PayrunProcess.runOnce(["runs", "--state", state + ".typo"])
        #expect(typo.status == 1 && typo.standardError.contains("there is no state store at \(state).typo"), "\(typo.standardError)")
        #expect(!FileManager.default.fileExists(atPath: state + ".typo"))
        // Not a usage error: the message alone, and exit status 1.
        #expect(unknown.status == 1 && unknown.standardError.contains("there is no run r_0000000000000000 in "), "\(unknown.standardError)")
        #expect(!unknown.standardError.contains("Usage:"), "\(unknown.standardError)")
    }

    @Test func aChangedJournalFailsVerifyNamingTheRecord() async throws {
        let state = Self.temporaryState()
        let environment = ["PAYRUN_STATE": state]
        #expect(try await PayrunProcess.runOnce(["run", try Self.payoutScript()], environment: environment).status == 0)
        let edit = Process()
        edit.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        edit.arguments = [state, "UPDATE records SET body = replace(body, '\"status\":200', '\"status\":500') WHERE seq = 3"]
        try edit.run()
        edit.waitUntilExit()
        let verify = try await PayrunProcess.runOnce(["runs", "verify"], environment: environment)
        #expect(verify.status == 1)
        #expect(verify.standardError.hasPrefix("the journal is broken at record 3 (run r_"))
        #expect(verify.standardError.contains("its contents were changed after it was written"))
    }

    @Test func theInProcessSimulatorsDieWithTheRunSoAFailedRunStartsAfresh() async throws {
        let state = Self.temporaryState()
        let script = try Self.payoutScript()
        let environment = ["PAYRUN_STATE": state]
        let failed = try await PayrunProcess.runOnce(["run", script, "fail"], environment: environment)
        #expect(failed.status == 1)
        let again = try await PayrunProcess.runOnce(["run", script, "fail"], environment: environment)
        #expect(again.standardError.contains("did not finish, but the simulators it paid through ran inside that payrun"))
        #expect(again.standardError.contains("starting afresh. To resume runs, run `payrun sandbox` on its own"))
        let list = try await PayrunProcess.runOnce(["runs", "--json"], environment: environment)
        let runs = try JSONSerialization.jsonObject(with: Data(list.standardOutput.utf8)) as? [[String: Any]] ?? []
        #expect(runs.count == 2)
        #expect(runs.map { $0["status"] as? String } == ["failed", "interrupted"], "the one left behind is marked so")
        #expect(runs.allSatisfy { $0["attempts"] as? Int == 1 })

        // A failed run that sent nothing leaves nothing to resume: its next run starts with no word of it.
        let quiet = TestFiles.path("payrun-no-payments") + ".lua"
        try #"error("stopped before paying anyone")"#.write(toFile: quiet, atomically: true, encoding: .utf8)
        #expect(try await PayrunProcess.runOnce(["run", quiet], environment: environment).status == 1)
        let rerun = try await PayrunProcess.runOnce(["run", quiet], environment: environment)
        #expect(rerun.status == 1)
        #expect(!rerun.standardError.contains("did not finish"), "\(rerun.standardError)")
    }

    @Test func aRunKeyChoosesTheJobAndNewRunStartsAfresh() async throws {
        let sandbox = try SandboxProcess()
        let state = Self.temporaryState()
        let script = try Self.payoutScript()
        let environment = ["PAYRUN_STATE": state, "PAYRUN_SANDBOX_URL": sandbox.url]
        let failed = try await PayrunProcess.runOnce(["run", "--run-key", "nightly", script, "fail"], environment: environment)
        #expect(failed.status == 1)
        // Other arguments, same key: the same job, resumed; its three payments are not sent again.
        let resumed = try await PayrunProcess.runOnce(["run", "--run-key", "nightly", script], environment: environment)
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(resumed.standardError.contains("payrun: resuming run r_"))
        #expect(resumed.standardError.contains("stopped after 3 mutations (3 answered, 0 in doubt)"))
        let puts = try sandbox.requests().filter { $0["method"] as? String == "PUT" }
        #expect(puts.count == 3)
        // Finished: the same key starts a new run; --new-run starts one even after a failure.
        let next = try await PayrunProcess.runOnce(["run", "--run-key", "nightly", script, "fail"], environment: environment)
        #expect(!next.standardError.contains("resuming"))
        let fresh = try await PayrunProcess.runOnce(["run", "--run-key", "nightly", "--new-run", script], environment: environment)
        #expect(fresh.status == 0 && !fresh.standardError.contains("resuming"))
        #expect(fresh.standardError.contains("--new-run: the unfinished run r_") && fresh.standardError.contains("(failed, 3 payment(s) sent) is left interrupted"),
                "abandoning a run is said: \(fresh.standardError)")
        #expect(try sandbox.requests().filter { $0["method"] as? String == "PUT" }.count == 9)
    }

    /// A run's process alive is a run still going, and a second run of its job is refused; once
    /// it is killed, its pid given since to another process does not keep it from resuming (the
    /// run would be taken for one still going until that process ended).
    @Test func aKilledRunWhosePidAnotherProcessNowHasIsResumed() async throws {
        let sandbox = try SandboxProcess()
        let state = Self.temporaryState()
        let script = TestFiles.path("payrun-pay-then-wait") + ".lua"
        try """
            local particeep = payrun.provider("particeep")
            particeep:put("/transaction", { issuer_id = "usr_1", recipient_id = "usr_2", amount = 100, currency = "EUR" })
            -- Waits to be killed (bounded: the test kills it within seconds).
            if arg[1] == "wait" then for _ = 1, 2e10 do end end
            print("paid")
            """.write(toFile: script, atomically: true, encoding: .utf8)
        let environment = ["PAYRUN_STATE": state, "PAYRUN_SANDBOX_URL": sandbox.url]
        let puts = { try sandbox.requests().filter { $0["method"] as? String == "PUT" }.count }
        let first = try PayrunProcess.start(["run", "--run-key", "nightly", "--timeout", "120", script, "wait"], environment: environment)
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
        for _ in 0..<200 where try puts() == 0 { try await Task.sleep(for: .milliseconds(100)) }
        #expect(try puts() == 1)
        let refused = try await PayrunProcess.runOnce(["run", "--run-key", "nightly", script], environment: environment)
        #expect(refused.status == 1 && refused.standardError.contains("is still running (process \(first.processIdentifier)"), "\(refused.standardError)")

        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        // Its pid, now another process's (as the kernel may give it once it is free).
        let other = Process()
        other.executableURL = URL(fileURLWithPath: "/bin/sleep")
        other.arguments = ["60"]
        try other.run()
        defer { other.terminate() }
        let edit = Process()
        edit.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        edit.arguments = [state, "UPDATE runs SET pid = \(other.processIdentifier) WHERE status = 'running'"]
        try edit.run()
        edit.waitUntilExit()
        #expect(edit.terminationStatus == 0)
        let listed = try await PayrunProcess.runOnce(["runs"], environment: environment)
        #expect(listed.standardOutput.contains("stopped (process \(other.processIdentifier) gone)"), "\(listed.standardOutput)")
        let resumed = try await PayrunProcess.runOnce(["run", "--run-key", "nightly", script], environment: environment)
        #expect(resumed.status == 0 && resumed.standardError.contains("payrun: resuming run r_"), "\(resumed.standardError)")
        // Its payment was not sent again.
        #expect(try puts() == 1)
        // The killed attempt's end is shown where the next began: it had no line at all.
        let id = try #require(resumed.standardError.firstMatch(of: /resuming run (r_[0-9a-f]+)/)?.1)
        let shown = try await PayrunProcess.runOnce(["runs", "show", String(id)], environment: environment)
        let lines = shown.standardOutput.split(separator: "\n")
        let gap = lines.firstIndex { $0.contains("attempt 1 ended without a record: its process was killed, its machine stopped, or its state store went away") }
        let second = lines.firstIndex { $0.contains("attempt 2 started") }
        #expect(gap != nil && second != nil && gap! + 1 == second!, "\(shown.standardOutput)")
    }

    @Test func aStoreThatCannotBeWrittenStopsTheRunBeforeItSendsAnything() async throws {
        let sandbox = try SandboxProcess()
        let folder = try Self.mountTmpfs(size: "256k")
        defer { _ = try? Self.shell("umount \(folder)") }
        let state = folder + "/state.db"
        let script = try Self.payoutScript()
        let environment = ["PAYRUN_STATE": state, "PAYRUN_SANDBOX_URL": sandbox.url]
        #expect(try await PayrunProcess.runOnce(["run", script], environment: environment).status == 0)
        #expect(try sandbox.requests().count == 3)

        // Read-only: the run does not begin.
        #expect(try Self.shell("mount -o remount,ro \(folder)") == 0)
        let readOnly = try await PayrunProcess.runOnce(["run", script], environment: environment)
        #expect(readOnly.status == 1)
        #expect(readOnly.standardError.hasPrefix("payrun: the run did not begin: state store \(state):"), "\(readOnly.standardError)")
        #expect(readOnly.standardError.contains("it cannot be written: its file system is read-only; remount it read-write, or use another store with --state PATH"), "\(readOnly.standardError)")
        #expect(try sandbox.requests().count == 3, "nothing was sent")

        // Full: the disk fills up (as another program writes to it); the run does not begin.
        #expect(try Self.shell("mount -o remount,rw \(folder)") == 0)
        _ = try Self.shell("dd if=/dev/zero of=\(folder)/filler bs=4k count=1000 2>/dev/null")
        let full = try await PayrunProcess.runOnce(["run", script], environment: environment)
        #expect(full.status == 1)
        #expect(full.standardError.contains("the disk is full: free space on it, or use another store with --state PATH"), "\(full.standardError)")
        #expect(try sandbox.requests().count == 3, "nothing was sent")
        try FileManager.default.removeItem(atPath: folder + "/filler")
        let room = try await PayrunProcess.runOnce(["run", script], environment: environment)
        #expect(room.status == 0, "with room again, runs go on: \(room.standardError)")
    }

    @Test func aStoreThatFillsUpMidRunStopsItBeforeTheNextPayment() async throws {
        let sandbox = try SandboxProcess()
        let folder = try Self.mountTmpfs(size: "512k")
        defer { _ = try? Self.shell("umount \(folder)") }
        let script = TestFiles.path("payrun-midrun") + ".lua"
        // Each payment carries a large note, so the journal outgrows the disk part-way.
        try """
            local particeep = payrun.provider("particeep")
            local note = string.rep("x", 20000)
            for i = 1, 200 do
              local ok, err = pcall(particeep.put, particeep, "/transaction", {
                issuer_id = "usr_1", recipient_id = "usr_2", amount = i, currency = "EUR", custom = { note = note } })
            end
            print("not reached")
            """.write(toFile: script, atomically: true, encoding: .utf8)
        let result = try await PayrunProcess.runOnce(["run", script], environment: ["PAYRUN_STATE": folder + "/state.db", "PAYRUN_SANDBOX_URL": sandbox.url])
        #expect(result.status == 1)
        #expect(result.standardError.contains("the run's journal could not be written, so nothing more is sent"), "\(result.standardError)")
        #expect(result.standardError.contains("the disk is full"))
        #expect(!result.standardOutput.contains("not reached"), "pcall cannot swallow the stop")
        let sent = try sandbox.requests().filter { $0["method"] as? String == "PUT" }.count
        #expect(sent > 0 && sent < 200)
    }

    @Test func aRefusedPaymentIsSentAgainAsTheResumedRunSays() async throws {
        // A transfer from a wallet short of funds: refused, and refused again from the journal
        // until the wallet is topped up and `runs resolve --send-again` (as printed) asks for it.
        let sandbox = try SandboxProcess()
        let state = Self.temporaryState()
        let environment = ["PAYRUN_STATE": state, "PAYRUN_SANDBOX_URL": sandbox.url]
        let topUp = TestFiles.path("payrun-top-up") + ".lua"
        try """
            local p = payrun.provider("particeep")
            local wallet = p:get("/wallet/search", { limit = 1 }).data[1]
            p:post("/wallet/" .. wallet.id .. "/cashin", { amount = 100000000 })
            """.write(toFile: topUp, atomically: true, encoding: .utf8)
        let transfer = TestFiles.path("payrun-transfer-job") + ".lua"
        try """
            local p = payrun.provider("particeep")
            local wallets = p:get("/wallet/search", { limit = 2 }).data
            local moved = p:post("/wallet/transfer", { issuer_wallet_id = wallets[1].id, recipient_wallet_id = wallets[2].id, amount = 100000000 })
            print(moved.status)
            """.write(toFile: transfer, atomically: true, encoding: .utf8)
        let refused = try await PayrunProcess.runOnce(["run", transfer], environment: environment)
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("error.wallet.balance.insufficient"), "\(refused.standardError)")

        let again = try await PayrunProcess.runOnce(["run", transfer], environment: environment)
        #expect(again.status == 1)
        let command = try #require(
            again.standardError.firstMatch(of: /`payrun runs resolve (r_[0-9a-f]+) (m_[0-9a-f]+) --send-again --state (\S+)`/), "\(again.standardError)")
        let (run, mutation) = (String(command.1), String(command.2))
        #expect(String(command.3) == state)
        let wrong = try await PayrunProcess.runOnce(["runs", "resolve", run, mutation, "--not-applied"], environment: environment)
        #expect(wrong.status == 1 && wrong.standardError.contains("refused by the provider") && wrong.standardError.contains("--send-again"), "\(wrong.standardError)")
        let none = try await PayrunProcess.runOnce(["runs", "resolve", run, mutation], environment: environment)
        #expect(none.status == 2 && none.standardError.contains("say one, and only one, of --applied ID, --not-applied"), "\(none.standardError)")
        for blank in ["", "  ", "txn\n1"] {
            let unreadable = try await PayrunProcess.runOnce(["runs", "resolve", run, mutation, "--applied", blank], environment: environment)
            #expect(unreadable.status == 2 && unreadable.standardError.contains("--applied takes the id the provider gave the payment"), "\(unreadable.standardError)")
        }

        #expect(try await PayrunProcess.runOnce(["run", topUp], environment: environment).status == 0)
        let resolved = try await PayrunProcess.runOnce(["runs", "resolve", run, mutation, "--send-again", "--state", state])
        #expect(resolved.status == 0 && resolved.standardOutput.contains("is to be sent again"), "\(resolved.standardError)")
        let sent = try await PayrunProcess.runOnce(["run", transfer], environment: environment)
        #expect(sent.status == 0 && sent.standardOutput == "SUCCEEDED\n", "\(sent.standardError)")
        #expect(sent.standardError.contains("stopped after 1 mutation (0 answered, 0 in doubt, 1 to send again)"), "the resolved one counted: \(sent.standardError)")
        let transfers = try sandbox.requests().filter { $0["path"] as? String == "/particeep/v1/wallet/transfer" }
        #expect(transfers.count == 2, "refused once, sent again once, never from the journal: \(transfers.count)")
        let shown = try await PayrunProcess.runOnce(["runs", "show", run], environment: environment)
        #expect(shown.standardOutput.contains("\(mutation) refused, to be sent again (an operator's decision"), "\(shown.standardOutput)")
    }

    /// A failed run is resumed by the next run of its job, from its journal, however old it is:
    /// pruned, the next run started afresh and paid all three again.
    @Test func pruningKeepsAFailedRunSoItsNextRunDoesNotPayAgain() async throws {
        let sandbox = try SandboxProcess()
        let state = Self.temporaryState()
        let environment = ["PAYRUN_STATE": state, "PAYRUN_SANDBOX_URL": sandbox.url]
        let script = try Self.payoutScript()
        let failed = try await PayrunProcess.runOnce(["run", "--run-key", "nightly", script, "fail"], environment: environment)
        #expect(failed.status == 1 && failed.standardError.contains("stopped on purpose"), "\(failed.standardError)")
        // Ended a second ago, and so older than --older-than 0s.
        try await Task.sleep(for: .milliseconds(1100))
        let pruned = try await PayrunProcess.runOnce(["runs", "prune", "--older-than", "0s"], environment: environment)
        #expect(pruned.status == 0 && pruned.standardOutput.hasPrefix("pruned 0 runs that ended before "), "\(pruned.combined)")
        #expect(pruned.standardOutput.contains("kept 1 that ended before then: 1 unfinished"), "\(pruned.standardOutput)")
        let resumed = try await PayrunProcess.runOnce(["run", "--run-key", "nightly", script], environment: environment)
        #expect(resumed.status == 0 && resumed.standardOutput == "paid\n", "\(resumed.combined)")
        let payments = try sandbox.requests().filter { $0["path"] as? String == "/particeep/v1/transaction" }
        #expect(payments.count == 3, "each payment once, the resumed run's from the journal: \(payments.count)")
        // Finished now: the next prune takes it.
        try await Task.sleep(for: .milliseconds(1100))
        let again = try await PayrunProcess.runOnce(["runs", "prune", "--older-than", "0s"], environment: environment)
        #expect(again.standardOutput.hasPrefix("pruned 1 run that ended before ") && !again.standardOutput.contains("kept"), "\(again.standardOutput)")
    }

    /// "What did last night's run do?": runs found by script, job, status and time; one a newer
    /// run left behind said to be so; a payment in doubt named as such.
    @Test func runsAreFoundByScriptJobStatusAndTimeAndWhatIsInDoubtIsSaid() async throws {
        let sandbox = try SandboxProcess()
        let state = Self.temporaryState()
        let environment = ["PAYRUN_STATE": state, "PAYRUN_SANDBOX_URL": sandbox.url]
        let script = try Self.payoutScript()
        let name = URL(fileURLWithPath: script).lastPathComponent
        #expect(try await PayrunProcess.runOnce(["run", "--run-key", "nightly", script, "fail"], environment: environment).status == 1)
        #expect(try await PayrunProcess.runOnce(["run", "--run-key", "nightly", "--new-run", script], environment: environment).status == 0)
        // The second payment's answer is lost: the run fails with it in doubt.
        try await sandbox.setFaults("PUT /particeep/v1/transaction: after=1 lose-answer")
        let lost = try await PayrunProcess.runOnce(["run", "--run-key", "weekly", script], environment: environment)
        #expect(lost.status == 1 && lost.standardError.contains("in doubt"), "\(lost.combined)")
        try await sandbox.setFaults("")

        func list(_ options: [String]) async throws -> [String] {
            let listed = try await PayrunProcess.runOnce(["runs"] + options, environment: environment)
            return listed.standardOutput.split(separator: "\n").dropFirst().map(String.init)
        }
        let all = try await list([])
        let header = try await PayrunProcess.runOnce(["runs"], environment: environment).standardOutput
        #expect(all.count == 3 && header.hasPrefix("ID                  STARTED (UTC)"), "\(header)")
        #expect(all.last?.contains("interrupted, left behind by a newer run") == true, "\(all)")
        #expect(try await list(["--script", name]).count == 3)
        #expect(try await list(["--script", "./" + name]).count == 3, "as a shell completes it")
        #expect(try await list(["--key", "nightly"]).count == 2)
        #expect(try await list(["--status", "unfinished"]).count == 2)
        #expect(try await list(["--status", "finished", "--key", "nightly"]).count == 1)
        #expect(try await list(["--since", "1h"]).count == 3)
        let future = try await list(["--since", "2999-01-01"])
        #expect(future.isEmpty)
        let bad = try await PayrunProcess.runOnce(["runs", "--status", "lost"], environment: environment)
        #expect(bad.status == 2 && bad.standardError.contains("say one of running, finished, failed"), "\(bad.standardError)")

        let id = try #require(all.first.map { String($0.prefix(18)) })
        let shown = try await PayrunProcess.runOnce(["runs", "show", id], environment: environment)
        #expect(shown.standardOutput.contains(" UTC\n"), "\(shown.standardOutput)")
        #expect(shown.standardOutput.contains("in doubt (sent, no answer kept): m_"), "\(shown.standardOutput)")
        #expect(shown.standardOutput.contains("`payrun runs resolve \(id) MUTATION --applied ID | --not-applied --state \(state)`"), "\(shown.standardOutput)")
    }

    /// A small file system of its own, for the real "disk full" and "read-only", not a simulation.
    static func mountTmpfs(size: String) throws -> String {
        let folder = TestFiles.path("payrun-tmpfs")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try #require(try shell("mount -t tmpfs -o size=\(size) tmpfs \(folder)") == 0, "mounting a tmpfs needs root")
        return folder
    }

    @discardableResult
    static func shell(_ command: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
