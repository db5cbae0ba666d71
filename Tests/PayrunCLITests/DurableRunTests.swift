// Durable runs, shown by crashing: a payout of 50 is killed with SIGKILL at the worst moments and
// run again until it finishes, against `payrun sandbox` running as its own process, and the
// provider's own state is read afterwards: every beneficiary paid exactly once.
import Foundation
import PayrunTestSupport
import Testing

@Suite(.serialized) struct DurableRunTests {
    static let references = (1...50).map { String(format: "PO-%04d", $0) }

    /// 50 payouts: `reference,recipient,amount`.
    static func payoutsFile() throws -> String {
        let path = TestFiles.path("payrun-payouts") + ".csv"
        var text = "reference,recipient,amount\n"
        for (index, reference) in references.enumerated() { text += "\(reference),usr_\(index + 2),\(1001 + index)\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func particeepPayoutsKilledAtEachPointPayEachOnceAndTheInDoubtOnesWaitForAPerson() async throws {
        let job = try PayoutJob(provider: "particeep", payRoute: "PUT /particeep/v1/transaction")
        let settled = try await job.payThroughCrashes()
        // Particeep cannot be asked: every payment in doubt stopped the run with exit 4 until
        // someone said what happened.
        #expect(!settled.isEmpty, "a crash between sending and journaling left a Particeep payment in doubt")
        for message in settled {
            #expect(message.contains("PUT /transaction to particeep"))
            #expect(message.contains("particeep cannot be asked whether it arrived"))
            #expect(message.contains("--not-applied"))
        }
        try job.expectNoSecretInTheStore(["sandbox-particeep-secret"])
    }

    @Test func peexPayoutsKilledAtEachPointPayEachOnce() async throws {
        let job = try PayoutJob(provider: "peex", payRoute: "POST /peex/api/v3/clients/request_payment")
        let settled = try await job.payThroughCrashes()
        #expect(settled.isEmpty, "Peex looks a payment in doubt up by its track_id: no person is asked")
        try job.expectNoSecretInTheStore(["sandbox-peex-secret-key"])
    }

    @Test func peexPayoutsSentInParallelKilledAtEachPointPayEachOnce() async throws {
        // Eight payments under way at once on the script's thread when each kill comes.
        let job = try PayoutJob(provider: "peex", payRoute: "POST /peex/api/v3/clients/request_payment", script: "peex-pay-parallel")
        let settled = try await job.payThroughCrashes()
        #expect(settled.isEmpty, "Peex looks a payment in doubt up by its track_id: no person is asked")
    }

    @Test func tradevestPayoutsKilledAtEachPointPayEachOnce() async throws {
        let sandbox = try SandboxProcess()
        let state = TestFiles.path("payrun-durable") + "/state.db"
        let setup = try await PayrunProcess.runOnce(
            ["run", "--lib", "scripts/examples", "Tests/PayrunCLITests/DurableScripts/tradevest-setup.lua"],
            environment: ["PAYRUN_SANDBOX_URL": sandbox.url, "PAYRUN_STATE": state])
        try #require(setup.status == 0, "\(setup.standardError)")
        let product = setup.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let job = try PayoutJob(provider: "tradevest", payRoute: "POST /tradevest/transfers", sandbox: sandbox, state: state, extra: [product])
        let settled = try await job.payThroughCrashes()
        #expect(settled.isEmpty, "Tradevest recognises a repeated externalId: no person is asked")
        try job.expectNoSecretInTheStore(["sandbox-tradevest-secret", "sandbox-tradevest-webhook"])
    }

    /// Standard output to a file or pipe is buffered; killed between a payment's intent and its
    /// sending, a run has still written out what its script printed before each payment: the
    /// script's own log of what it paid survives the kill, up to the payment that did not go.
    @Test func whatAScriptPrintedBeforeAPaymentIsWrittenOutBeforeThePaymentGoes() async throws {
        let sandbox = try SandboxProcess()
        let state = TestFiles.path("payrun-printed") + "/state.db"
        let script = TestFiles.path("pay-and-print") + ".lua"
        try """
            local particeep = payrun.provider("particeep")
            for i = 1, 5 do
              print("paying " .. i)
              local transaction = particeep:put("/transaction", {
                issuer_id = "usr_1", recipient_id = "usr_" .. (i + 1), amount = 100 * i, currency = "EUR",
              })
              print("paid " .. i .. " " .. transaction.id)
            end
            """.write(toFile: script, atomically: true, encoding: .utf8)
        let killed = try await PayrunProcess.runOnce(
            ["run", script], environment: ["PAYRUN_SANDBOX_URL": sandbox.url, "PAYRUN_STATE": state, "PAYRUN_TEST_CRASH": "after-intent:3"])
        #expect(killed.status == SIGKILL, "\(killed.standardError)")
        let lines = killed.standardOutput.split(separator: "\n")
        #expect(lines.count == 5 && lines.last == "paying 3", "\(killed.standardOutput)")
        #expect(lines.first == "paying 1" && lines.dropFirst().first?.hasPrefix("paid 1 txn_") == true, "\(killed.standardOutput)")
    }

    /// Killed, then edited before it was run again: every payment whose request the edit
    /// changed matched nothing journaled, and was paid twice, with the run said to be finished.
    @Test func aKilledRunEditedBeforeItsResumePaysNoOneTwice() async throws {
        let sandbox = try SandboxProcess()
        let state = TestFiles.path("payrun-edited") + "/state.db"
        let script = TestFiles.path("pay-edited") + ".lua"
        func write(_ extra: String) throws {
            try """
                local particeep = payrun.provider("particeep")
                for i = 1, 4 do
                  particeep:put("/transaction", { issuer_id = "usr_1", recipient_id = "usr_" .. (i + 1), amount = 100 * i, currency = "EUR"\(extra) })
                end
                """.write(toFile: script, atomically: true, encoding: .utf8)
        }
        let environment = ["PAYRUN_SANDBOX_URL": sandbox.url, "PAYRUN_STATE": state]
        let puts = { try sandbox.requests().filter { $0["method"] as? String == "PUT" }.count }
        try write("")
        let killed = try await PayrunProcess.runOnce(["run", script], environment: environment.merging(["PAYRUN_TEST_CRASH": "after-answer:2"]) { $1 })
        #expect(killed.status == SIGKILL, "\(killed.standardError)")
        #expect(try puts() == 2)
        try write(", description = 'nightly'")
        let stopped = try await PayrunProcess.runOnce(["run", script], environment: environment)
        #expect(stopped.status == 1 && stopped.standardError.contains("matches no payment the earlier attempts of run"), "\(stopped.standardError)")
        #expect(try puts() == 2, "nothing was paid again")
        let sent = try await PayrunProcess.runOnce(["run", "--send-changed", script], environment: environment)
        #expect(sent.status == 0, "\(sent.standardError)")
        #expect(try puts() == 6, "asked for: all four sent with the change")
    }

    @Test func capitalistBatchesKilledAtEachPointPayEachOnce() async throws {
        // Every Capitalist operation is a POST to one path: the lost answer may be a lookup's.
        let job = try PayoutJob(provider: "capitalist", payRoute: "POST /capitalist/", crashes: (intent: 2, answer: 2))
        let settled = try await job.payThroughCrashes()
        #expect(settled.isEmpty, "each batch is a step whose lookup finds its payments by number: no person is asked")
        try job.expectNoSecretInTheStore(["sandbox-capitalist-password"])
    }
}

/// One provider's payout job: its script, a sandbox of its own, a state store of its own.
struct PayoutJob {
    let provider: String
    /// `METHOD PATH` of the payment request, for the lost-answer fault.
    let payRoute: String
    let sandbox: SandboxProcess
    let state: String
    let payouts: String
    let extra: [String]
    /// The mutations of this attempt the crashes come after: between intent and send, and
    /// between answer and journal.
    let crashes: (intent: Int, answer: Int)
    /// The paying script's name in `DurableScripts/`, without `.lua`.
    let script: String

    init(
        provider: String, payRoute: String, sandbox: SandboxProcess? = nil, state: String? = nil, extra: [String] = [],
        crashes: (intent: Int, answer: Int) = (10, 12), script: String? = nil
    ) throws {
        self.crashes = crashes
        self.script = script ?? "\(provider)-pay"
        self.provider = provider
        self.payRoute = payRoute
        self.sandbox = try sandbox ?? SandboxProcess()
        self.state = state ?? TestFiles.path("payrun-durable") + "/state.db"
        payouts = try DurableRunTests.payoutsFile()
        self.extra = extra
    }

    var environment: [String: String] { ["PAYRUN_SANDBOX_URL": sandbox.url, "PAYRUN_STATE": state] }
    var payArguments: [String] {
        ["run", "--lib", "scripts/examples", "Tests/PayrunCLITests/DurableScripts/\(script).lua", payouts] + extra
    }

    /// Kills the job at each of the worst moments, resumes it each time, and finishes it; checks
    /// the provider's state. Returns the messages of the runs that stopped for a person's word.
    func payThroughCrashes() async throws -> [String] {
        var settled: [String] = []
        // Killed once the first payment's intent is on disk, before it is sent.
        var result = try await runSettling(crash: "after-intent:1", messages: &settled)
        #expect(result.status == SIGKILL, "\(result.standardError)")
        // Listed as stopped, its process gone, with the payment it journaled.
        let listed = try await PayrunProcess.runOnce(["runs"], environment: environment).standardOutput
        let line = listed.split(separator: "\n").first { $0.contains("\(script).lua") }.map(String.init) ?? ""
        #expect(line.contains("stopped (process ") && line.split(separator: " ").last == "1", "\(listed)")
        // So says --json, where its record says "running", and --status tells the two apart.
        let json = try await PayrunProcess.runOnce(["runs", "--json"], environment: environment).standardOutput
        let listedRuns = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] ?? []
        #expect(listedRuns.first?["status"] as? String == "stopped" && listedRuns.first?["process_gone"] as? Bool == true, "\(json)")
        #expect(try await PayrunProcess.runOnce(["runs", "--status", "running"], environment: environment).standardError.contains("no runs match"))
        #expect(try await PayrunProcess.runOnce(["runs", "--status", "stopped"], environment: environment).standardOutput.contains("\(script).lua"))
        // Resumed; killed between a later payment's intent and its sending.
        result = try await runSettling(crash: "after-intent:\(crashes.intent)", messages: &settled)
        #expect(result.status == SIGKILL, "\(result.standardError)")
        #expect(result.standardError.contains("payrun: resuming run r_"), "\(result.standardError)")
        // Resumed; killed after a payment's answer came, before it was journaled.
        result = try await runSettling(crash: "after-answer:\(crashes.answer)", messages: &settled)
        #expect(result.status == SIGKILL, "\(result.standardError)")
        // Resumed; killed while the provider, having applied a payment, holds back its answer.
        try await runKilledWhileTheAnswerIsLost(messages: &settled)
        // Resumed to the end.
        result = try await runSettling(crash: nil, messages: &settled)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("payrun: resuming run r_"), "\(result.standardError)")
        #expect(result.standardOutput.contains("50 paid"), "\(result.standardOutput)")

        let payments = try await paymentsAtTheProvider()
        for reference in DurableRunTests.references {
            #expect(payments[reference]?.count == 1, "\(reference) is paid \(payments[reference]?.count ?? 0) times at \(provider)")
        }
        #expect(payments.count == 50)

        // The audit trail: one run, resumed, every record linked to the one before.
        let runs = try await runsJSON(["runs", "--json"]) as? [[String: Any]] ?? []
        let payRuns = runs.filter { ($0["script"] as? String)?.hasSuffix("/\(script).lua") == true }
        #expect(payRuns.count == 1, "the crashed attempts and the last are one run")
        #expect(payRuns.first?["status"] as? String == "finished")
        #expect((payRuns.first?["attempts"] as? Int ?? 0) >= 5)
        // Every attempt's mutations count, the killed ones' too: as many as the journal's intents.
        let shownRun = try await runsJSON(["runs", "show", "--json", payRuns.first?["id"] as? String ?? ""]) as? [String: Any]
        let intents = (shownRun?["records"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "mutation.intent" }.count
        #expect(intents > 0 && payRuns.first?["mutations"] as? Int == intents, "\(payRuns.first ?? [:]) against \(intents) intents")
        let verify = try await PayrunProcess.runOnce(["runs", "verify"], environment: environment)
        #expect(verify.status == 0 && verify.standardOutput.hasPrefix("the journal is intact"), "\(verify.standardError)")
        return settled
    }

    /// Runs the job; when it stops with exit 4 for a payment in doubt, looks at the provider as
    /// an operator would, records what happened with `payrun runs resolve`, and runs it again.
    func runSettling(crash: String?, messages: inout [String]) async throws -> PayrunProcess.Result {
        var environment = self.environment
        environment["PAYRUN_TEST_CRASH"] = crash
        for _ in 0..<10 {
            let result = try await PayrunProcess.runOnce(payArguments, environment: environment)
            guard result.status == 4 else { return result }
            messages.append(result.standardError)
            try await settle(result.standardError)
        }
        throw PayoutJobFailure(description: "the run kept stopping for payments in doubt")
    }

    /// Looks at the provider as an operator would for the payment a run stopped before (its
    /// message on standard error), and records what happened with `payrun runs resolve`.
    func settle(_ message: String) async throws {
        let command = try #require(
            message.firstMatch(of: /payrun runs resolve (r_[0-9a-f]+) (m_[0-9a-f]+) --not-applied --state (\S+)/), "\(message)")
        let run = String(command.1)
        let mutation = String(command.2)
        #expect(String(command.3) == state, "the command names the store the run is in")
        #expect(!message.contains("stack traceback"), "the stop says what to do, and no more: \(message)")
        let reference = try await #require(try reference(of: mutation, in: run))
        let found = try await paymentsAtTheProvider()[reference] ?? []
        let decision = found.first.map { ["--applied", $0] } ?? ["--not-applied"]
        // As printed: with its --state, and nothing in the environment to say where the store is.
        let resolved = try await PayrunProcess.runOnce(["runs", "resolve", run, mutation] + decision + ["--state", String(command.3)])
        try #require(resolved.status == 0, "\(resolved.standardError)")
    }

    /// Runs the job with the provider losing the answer to its third payment request from now
    /// on, and kills it with SIGKILL while it waits for that answer.
    func runKilledWhileTheAnswerIsLost(messages: inout [String]) async throws {
        try await sandbox.setFaults("\(payRoute): lose-answer latency=60s after=2")
        var stopped = try await runUntilTheAnswerIsLost()
        for _ in 0..<10 where stopped != nil {
            // It stopped first for a payment an earlier crash left in doubt: settled, then again.
            messages.append(stopped!)
            try await settle(stopped!)
            stopped = try await runUntilTheAnswerIsLost()
        }
        try await sandbox.setFaults("")
    }

    /// Nil once the run was killed waiting for a lost answer; its standard error if it stopped
    /// for a payment in doubt first.
    private func runUntilTheAnswerIsLost() async throws -> String? {
        let errors = Pipe()
        let process = try PayrunProcess.start(payArguments, environment: environment, errors: errors)
        var lost = false
        for _ in 0..<600 where !lost && process.isRunning {
            lost = try sandbox.requests().contains { $0["fault"] as? String == "lose-answer" }
            if !lost { try await Task.sleep(for: .milliseconds(20)) }
        }
        kill(process.processIdentifier, SIGKILL)
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationReason == .exit, process.terminationStatus == 4 { return message }
        #expect(lost, "the provider served a payment whose answer it then held back: \(message)")
        #expect(process.terminationReason == .uncaughtSignal)
        return nil
    }

    /// What the provider holds, read through its own API: each reference's payment ids.
    func paymentsAtTheProvider() async throws -> [String: [String]] {
        let result = try await PayrunProcess.runOnce(
            ["run", "--dry-run", "--lib", "scripts/examples", "Tests/PayrunCLITests/DurableScripts/\(provider)-count.lua", payouts],
            environment: ["PAYRUN_SANDBOX_URL": sandbox.url])
        guard result.status == 0, let counts = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: [String]] else {
            throw PayoutJobFailure(description: "the provider's payments could not be read: \(result.standardError)")
        }
        return counts
    }

    /// The payout reference in mutation `mutation`'s journaled request, as `payrun runs show --json` gives it.
    private func reference(of mutation: String, in run: String) async throws -> String? {
        let shown = try await runsJSON(["runs", "show", "--json", run]) as? [String: Any]
        let records = shown?["records"] as? [[String: Any]] ?? []
        guard let intent = records.last(where: { $0["kind"] as? String == "mutation.intent" && $0["entry"] as? String == mutation }) else { return nil }
        let text = String(decoding: try JSONSerialization.data(withJSONObject: intent["body"] ?? [:]), as: UTF8.self)
        return DurableRunTests.references.first { text.contains("\"\($0)\"") }
    }

    private func runsJSON(_ arguments: [String]) async throws -> Any {
        let result = try await PayrunProcess.runOnce(arguments, environment: environment)
        guard result.status == 0 else { throw PayoutJobFailure(description: "payrun \(arguments.joined(separator: " ")): \(result.standardError)") }
        return try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8))
    }

    /// No credential the runs used is anywhere in the store's files.
    func expectNoSecretInTheStore(_ secrets: [String]) throws {
        for suffix in ["", "-wal"] {
            guard let bytes = FileManager.default.contents(atPath: state + suffix) else { continue }
            for secret in secrets {
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) is in \(state + suffix)")
            }
        }
        #expect(FileManager.default.fileExists(atPath: state))
    }
}

struct PayoutJobFailure: Error, CustomStringConvertible {
    let description: String
}
