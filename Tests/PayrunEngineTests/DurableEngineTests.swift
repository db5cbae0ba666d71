// Durable runs through the engine, as a host sees them: a run that failed part-way resumes under
// the same key without sending again what it sent, steps run once and give back what they
// returned, and the host lists runs and resumes one. The simulators run in the test.
import Foundation
import Payrun
import PayrunSimulators
import PayrunTestSupport
import Synchronization
import Testing

@Suite struct DurableEngineTests {
    /// An engine keeping its runs in `store`, its sandbox `server`, with a host function that
    /// counts its calls (`counter.hit()`), and `credentials` over the sandbox's own.
    func engine(_ server: SimulatorServer, store: any RunStore, hits: HitCounter, credentials: MemoryCredentialStore = MemoryCredentialStore()) -> PayrunEngine {
        var configuration = PayrunEngine.Configuration.standard(credentials: credentials)
        configuration.sandboxServer = RunningSandbox(url: server.baseURL)
        configuration.store = store
        var counter = HostLibrary("counter")
        counter.add("hit") { _ in .integer(hits.hit()) }
        configuration.host = [counter]
        return PayrunEngine(configuration)
    }

    func withServer(_ body: (SimulatorServer) async throws -> Void) async throws {
        var configuration = SimulatorServer.Configuration()
        configuration.particeep.users = 20
        configuration.particeep.transactions = 0
        try await SimulatorFixture.with(configuration, body)
    }

    /// Pays three transactions, each in a step, then fails on the first attempt (`arg[1] == "fail"`).
    static let payout = Script.text("""
        local particeep = payrun.provider("particeep")
        local results = {}
        for i = 1, 3 do
          results[i] = payrun.step("pay:" .. i, function()
            counter.hit()
            local transaction, response = particeep:put("/transaction", {
              issuer_id = "usr_1", recipient_id = "usr_" .. (i + 1), amount = 100 * i, currency = "EUR", custom = { ref = "T" .. i },
            })
            return { id = transaction.id, amount = payrun.decimal.new(transaction.amount) / 100, journaled = response.journaled == true }
          end)
        end
        if arg[1] == "fail" then error("the run fails after paying") end
        local all = particeep:get("/transaction/search", { issuer_id = "usr_1", limit = 100 })
        return all.total_size, results[2].id, tostring(results[3].amount), results[1].journaled
        """, name: "payout.lua")

    @Test func aRunThatFailedResumesUnderItsKeyAndPaysNoOneTwice() async throws {
        try await withServer { server in
            let hits = HitCounter()
            let store = MemoryRunStore()
            let engine = engine(server, store: store, hits: hits)
            var options = RunOptions()
            options.runKey = "payout-2026-11-30"
            options.arguments = ["fail"]
            let failed = try await engine.run(Self.payout, options: options)
            #expect(failed.status == .scriptFailed)
            #expect(failed.run?.status == .failed)
            #expect(failed.run?.mutations == 3)
            #expect(hits.count == 3)

            options.arguments = []
            let resumed = try await engine.run(Self.payout, options: options)
            #expect(resumed.status == .success, "\(resumed.error?.description ?? "")")
            #expect(resumed.resumed)
            #expect(resumed.run?.id == failed.run?.id)
            #expect(resumed.run?.status == .finished)
            #expect(resumed.run?.attempts == 2)
            #expect(resumed.output?.standardError.contains("resuming run \(failed.run!.id)") == true)
            // Three transactions at the provider, and no step ran again: their results came back.
            #expect(hits.count == 3)
            guard resumed.values.count == 4 else { return }
            #expect(resumed.values[0] == .integer(3))
            #expect(resumed.values[1].string?.hasPrefix("txn_") == true)
            #expect(resumed.values[2] == .string("3"), "a decimal comes back a decimal, with its digits")
            #expect(resumed.values[3] == .bool(false), "the first attempt's answers were the provider's own")
            await engine.shutdown()
        }
    }

    @Test func aMutationAnsweredBeforeIsAnsweredFromTheJournal() async throws {
        try await withServer { server in
            let store = MemoryRunStore()
            let engine = engine(server, store: store, hits: HitCounter())
            let script = Script.text("""
                local particeep = payrun.provider("particeep")
                local made, response = particeep:put("/transaction", {
                  issuer_id = "usr_1", recipient_id = "usr_2", amount = 500, currency = "EUR" })
                if arg[1] == "fail" then error("after the payment") end
                return made.id, response.journaled == true
                """, name: "one.lua")
            var options = RunOptions()
            options.runKey = "one"
            options.arguments = ["fail"]
            let first = try await engine.run(script, options: options)
            #expect(first.status == .scriptFailed)
            #expect(first.requestCount == 1)
            options.arguments = []
            let second = try await engine.run(script, options: options)
            #expect(second.status == .success)
            #expect(second.requestCount == 0, "nothing was sent: the answer came from the journal")
            #expect(second.values.last == .bool(true))
            let records = try await engine.journal(of: second.run!.id)
            #expect(records.filter { $0.kind == .intent }.count == 1)
            #expect(records.filter { $0.kind == .runStarted }.count == 2)
            await engine.shutdown()
        }
    }

    @Test func aMutationCapitalistRefusedIsJournaledAsItsAnswerNotAsUnsent() async throws {
        // Capitalist answers a refusal with HTTP 200 and a code: the payment was sent, and the
        // audit trail says what Capitalist answered. A resumed run gives the same answer back.
        try await withServer { server in
            let engine = engine(server, store: MemoryRunStore(), hits: HitCounter())
            let script = Script.text("""
                local c = payrun.provider("capitalist")
                local none, err = c:trycall("no_such_operation", { amount = "1.00" })
                if arg[1] == "fail" then error("after the refusal") end
                return err.code, err.status, err.journaled == true, tostring(err):find("from its journal: not sent again", 1, true) ~= nil
                """, name: "refused.lua")
            var options = RunOptions()
            options.runKey = "refused"
            options.arguments = ["fail"]
            let first = try await engine.run(script, options: options)
            #expect(first.status == .scriptFailed)
            let sent = server.requests.all.count
            options.arguments = []
            let resumed = try await engine.run(script, options: options)
            #expect(resumed.status == .success, "\(String(describing: resumed.error))")
            #expect(resumed.values == [.string("151"), .integer(200), .bool(true), .bool(true)], "the refusal says it came from the journal")
            #expect(server.requests.all.count == sent, "the refusal came from the journal: nothing was sent again")
            let records = try await engine.journal(of: first.run!.id)
            let outcome = try #require(records.first { $0.kind == .outcome })
            #expect(outcome.body["not_sent"] == nil, "it was sent: \(outcome.body)")
            #expect(outcome.body["error"]?["code"] == .string("151") && outcome.body["error"]?["status"] == .integer(200), "\(outcome.body)")
            #expect(outcome.body["error"]?["retryable"] == .bool(false))
            await engine.shutdown()
        }
    }

    @Test func aRefusedPaymentIsSentAgainOnlyWhenAnOperatorAsksOnceItsCauseIsFixed() async throws {
        // A transfer from a wallet short of funds is refused. Resumed, the run gets the refusal back
        // from its journal; once the wallet is topped up and an operator says --send-again, the
        // resumed run sends it, once.
        try await withServer { server in
            let store = MemoryRunStore()
            let engine = engine(server, store: store, hits: HitCounter())
            let transfer = Script.text("""
                local p = payrun.provider("particeep")
                local wallets = p:get("/wallet/search", { limit = 2 }).data
                local moved = p:post("/wallet/transfer", {
                  issuer_wallet_id = wallets[1].id, recipient_wallet_id = wallets[2].id, amount = 100000000,
                })
                return moved.status, moved.issuer_wallet_id
                """, name: "transfer.lua")
            var options = RunOptions()
            options.runKey = "transfer"
            let refused = try await engine.run(transfer, options: options)
            #expect(refused.status == .scriptFailed)
            #expect(refused.error?.message.contains("error.wallet.balance.insufficient") == true, "\(String(describing: refused.error))")
            let run = try #require(refused.run?.id)
            let mutation = try #require(try await store.records(of: run).first { $0.kind == .intent }?.entry)

            // Nothing fixed, nothing asked: the refusal comes from the journal, with the way on.
            let again = try await engine.run(transfer, options: options)
            #expect(again.status == .scriptFailed)
            let message = again.error?.message ?? ""
            #expect(message.contains("from its journal: not sent again"), "\(message)")
            #expect(message.contains("payrun runs resolve \(run) \(mutation) --send-again --state "), "\(message)")
            // The simulator starts with no transactions: each one is this test's.
            let count = Script.text("return payrun.provider('particeep'):get('/transaction/search', { limit = 10 }).total_size", name: "count.lua")
            #expect(try await engine.run(count).values == [.integer(0)], "a refusal is not sent again unasked")

            // Only a refused mutation is sent again, and a refusal is neither applied nor not.
            await #expect(throws: ResolutionRefused.self) { try await store.resolve(run: run, mutation: mutation, as: .notApplied, by: "ops") }
            await #expect(throws: ResolutionRefused.self) { try await store.resolve(run: run, mutation: "m_nope", as: .sendAgain, by: "ops") }
            do {
                try await store.resolve(run: run, mutation: mutation, as: .applied(id: "tx_1"), by: "ops")
                Issue.record("a refused mutation was recorded as applied")
            } catch let error as ResolutionRefused {
                #expect(error.message.contains("--send-again"), "\(error.message)")
            }

            // The cause fixed at the provider, then the operator's word: sent once, and the run goes on.
            let topUp = Script.text("""
                local p = payrun.provider("particeep")
                local wallet = p:get("/wallet/search", { limit = 1 }).data[1]
                return p:post("/wallet/" .. wallet.id .. "/cashin", { amount = 100000000 }).status
                """, name: "top-up.lua")
            #expect(try await engine.run(topUp).values == [.string("SUCCEEDED")])
            try await store.resolve(run: run, mutation: mutation, as: .sendAgain, by: "ops")
            let sent = try await engine.run(transfer, options: options)
            #expect(sent.status == .success, "\(String(describing: sent.error))")
            #expect(sent.values.first == .string("SUCCEEDED"))
            #expect(try await engine.run(count).values == [.integer(2)], "the top-up, and the transfer sent again once")

            // Answered now: nothing left to send again, and a finished run never resumes.
            await #expect(throws: ResolutionRefused.self) { try await store.resolve(run: run, mutation: mutation, as: .sendAgain, by: "ops") }

            // Refused in a run a --new-run then left behind: that run never resumes, so nothing would send it.
            var other = RunOptions()
            other.runKey = "transfer-2"
            let refusedAgain = try await engine.run(transfer, options: other)
            let left = try #require(refusedAgain.run?.id)
            let leftMutation = try #require(try await store.records(of: left).first { $0.kind == .intent }?.entry)
            other.startsAfresh = true
            _ = try await engine.run(count, options: other)
            do {
                try await store.resolve(run: left, mutation: leftMutation, as: .sendAgain, by: "ops")
                Issue.record("a run left behind was asked to send a payment again")
            } catch let error as ResolutionRefused {
                #expect(error.message.contains("left behind by a newer run"), "\(error.message)")
            }
            let records = try await store.records(of: run)
            #expect(records.filter { $0.kind == .intent }.count == 2)
            #expect(records.contains { $0.kind == .resolution && $0.body["decision"] == .string("send_again") && $0.body["by"] == .string("ops") })
            await engine.shutdown()
        }
    }

    /// A Particeep payment a first attempt of `script` (run key "pay") got a 503 for, and the
    /// attempt after it stopped before, in doubt: what the stop's resolve command names.
    func stoppedBeforeA503dPayment(
        _ server: SimulatorServer, _ store: MemoryRunStore, _ engine: PayrunEngine, _ script: Script
    ) async throws -> (run: String, mutation: String) {
        server.faults.replace(with: try FaultPlan(parsing: "PUT /particeep/v1/transaction: status=503"))
        var options = RunOptions()
        options.runKey = "pay"
        #expect(try await engine.run(script, options: options).status == .scriptFailed)
        server.faults.replace(with: FaultPlan())
        let stopped = try await engine.run(script, options: options)
        #expect(stopped.status == .inDoubt, "\(String(describing: stopped.error))")
        let message = stopped.error?.message ?? ""
        let command = try #require(message.firstMatch(of: /payrun runs resolve (r_[0-9a-f]+) (m_[0-9a-f]+) --not-applied/), "\(message)")
        return (String(command.1), String(command.2))
    }

    /// Pays usr_2 8 EUR, then fails when its argument says so; returns the transaction's id.
    static let payOnce = Script.text("""
        local particeep = payrun.provider("particeep")
        local paid = particeep:put("/transaction", { issuer_id = "usr_1", recipient_id = "usr_2", amount = 8, currency = "EUR" })
        if arg[1] == "fail" then error("after the payment") end
        return paid.id, paid.amount
        """, name: "pay.lua")

    @Test func aPaymentAnswered503CanBeResolvedAsTheStopSays() async throws {
        // A 503 may yet be applied, so the resumed run stops before it; the resolve command the
        // stop prints must then be taken (it was refused as "not in doubt": an outcome was journaled).
        try await withServer { server in
            let store = MemoryRunStore()
            let engine = engine(server, store: store, hits: HitCounter())
            let (run, mutation) = try await stoppedBeforeA503dPayment(server, store, engine, Self.payOnce)
            // A slip corrected before the run resumes: the newest word counts.
            try await store.resolve(run: run, mutation: mutation, as: .applied(id: "tx_wrong"), by: "ops")
            try await store.resolve(run: run, mutation: mutation, as: .notApplied, by: "ops")
            var options = RunOptions()
            options.runKey = "pay"
            let paid = try await engine.run(Self.payOnce, options: options)
            #expect(paid.status == .success, "\(String(describing: paid.error))")
            #expect(paid.values.last == .integer(8))
            await engine.shutdown()
        }
    }

    @Test func anAppliedWordAnAttemptActedOnCannotBeTakenBack() async throws {
        // `--applied` writes nothing more when the run resumes on it: taken back after, the
        // payment would be sent on the next resume, a second time.
        try await withServer { server in
            let store = MemoryRunStore()
            let engine = engine(server, store: store, hits: HitCounter())
            let (run, mutation) = try await stoppedBeforeA503dPayment(server, store, engine, Self.payOnce)
            try await store.resolve(run: run, mutation: mutation, as: .applied(id: "tx_elsewhere"), by: "ops")
            var options = RunOptions()
            options.runKey = "pay"
            options.arguments = ["fail"]
            #expect(try await engine.run(Self.payOnce, options: options).status == .scriptFailed, "the script went on with tx_elsewhere")
            await #expect(throws: ResolutionRefused.self) { try await store.resolve(run: run, mutation: mutation, as: .notApplied, by: "ops") }
            options.arguments = []
            #expect(try await engine.run(Self.payOnce, options: options).values.first == .string("tx_elsewhere"))
            #expect(server.requests.all.filter { $0.method == "PUT" }.count == 1, "sent once, the 503")
            await engine.shutdown()
        }
    }

    @Test func aCapitalistOperationWhoseSigningFailedIsJournaledAsNotSent() async throws {
        // Signing asks Capitalist for a token first; refused (a wrong login), the operation never
        // left, and a resumed run sends it once the login is right.
        try await withServer { server in
            var credentials = MemoryCredentialStore()
            credentials.set(Secret("nobody"), for: CredentialName(provider: "capitalist", field: "login"), in: .sandbox)
            let engine = engine(server, store: MemoryRunStore(), hits: HitCounter(), credentials: credentials)
            let run = try await engine.run(.text("""
                local c = payrun.provider("capitalist")
                local none, err = c:trycall("no_such_operation", { amount = "1.00" })
                return err.code, err.status == nil
                """, name: "unsigned.lua"), options: RunOptions())
            #expect(run.values == [.string("5"), .bool(true)], "\(String(describing: run.error))")
            let outcome = try #require(try await engine.journal(of: run.run!.id).first { $0.kind == .outcome })
            #expect(outcome.body["not_sent"] != nil, "it never left: \(outcome.body)")
            await engine.shutdown()
        }
    }

    @Test func aPaymentWhoseEveryConnectionWasRefusedIsNotSentAndGoesWhenTheRunResumes() async throws {
        // The provider down (nothing listens): no attempt left, so the payment is not in doubt,
        // and the run resumed once the provider is back sends it, once.
        try await withServer { server in
            let store = MemoryRunStore()
            var down = PayrunEngine.Configuration.standard()
            down.sandboxServer = RunningSandbox(url: "http://127.0.0.1:\(loopbackFreePort())")
            down.store = store
            down.retryPolicy.firstDelay = .milliseconds(10)   // four attempts, each refused
            let refused = PayrunEngine(down)
            var options = RunOptions()
            options.runKey = "payout-provider-down"
            let pay = Script.text("""
                return payrun.provider("particeep"):put("/transaction", { issuer_id = "usr_1", recipient_id = "usr_2", amount = 4242, currency = "EUR" }).amount
                """, name: "pay.lua")
            let failed = try await refused.run(pay, options: options)
            #expect(failed.status == .scriptFailed)
            #expect(failed.run?.status == .failed, "not in doubt: \(String(describing: failed.run?.status))")
            #expect(failed.error?.message.contains("could not connect") == true, "\(failed.error?.message ?? "")")
            #expect(failed.error?.message.contains("in doubt") == false && failed.output?.standardError.contains("in doubt") == false,
                    "\(failed.output?.standardError ?? "")")
            let outcome = try #require(try await refused.journal(of: failed.run!.id).first { $0.kind == .outcome })
            #expect(outcome.body["not_sent"] != nil, "it never left: \(outcome.body)")
            await refused.shutdown()

            let engine = engine(server, store: store, hits: HitCounter())
            let resumed = try await engine.run(pay, options: options)
            #expect(resumed.status == .success, "\(String(describing: resumed.error))")
            #expect(resumed.values == [.integer(4242)])
            #expect(server.requests.all.count { $0.method == "PUT" } == 1, "paid once")
            await engine.shutdown()
        }
    }

    @Test func aStepsErrorKeepsTheTracebackOfWhereItFailed() async throws {
        // The step catches the error to journal it, then raises it again: the traceback is still
        // the one of where it failed, with the step's own frames.
        try await withServer { server in
            let engine = engine(server, store: MemoryRunStore(), hits: HitCounter())
            let failed = try await engine.run(.text("""
                local function pay(to)
                  error("no wallet for " .. to)
                end
                payrun.step("pay:usr_2", function()
                  pay("usr_2")
                end)
                """, name: "steps.lua"), options: RunOptions())
            #expect(failed.status == .scriptFailed)
            #expect(failed.error?.message == "steps.lua:2: no wallet for usr_2")
            // payrun.step shows as the library function it is, without the xpcall it journals through.
            #expect(failed.error?.traceback == """
                stack traceback:
                \t[C]: in function 'error'
                \tsteps.lua:2: in upvalue 'pay'
                \tsteps.lua:5: in function <steps.lua:4>
                \t[C]: in function 'payrun.step'
                \tsteps.lua:4: in main chunk
                """)
            // An error raised inside payrun.paginate's iterator names the script's line, not the iterator's.
            let paging = try await engine.run(.text("""
                local p = payrun.provider("particeep")
                for user in p:paginate("/user/nobody/transactions") do end
                """, name: "pages.lua"), options: RunOptions())
            #expect(paging.error?.locatedDescription.hasPrefix("pages.lua:2: particeep: 404 ") == true, "\(paging.error?.locatedDescription ?? "")")
            #expect(paging.error?.traceback?.contains("payrun.paginate") == false, "\(paging.error?.traceback ?? "")")
            await engine.shutdown()
        }
    }

    /// Writes `rows` (`to,amount` lines) as the payouts file at `file`, its header first.
    static func write(_ rows: String, to file: String) throws {
        try ("to,amount\n" + rows).write(toFile: file, atomically: true, encoding: .utf8)
    }

    /// How many payments (PUTs) the simulators have had.
    static func payments(_ server: SimulatorServer) -> Int {
        server.requests.all.filter { $0.method == "PUT" }.count
    }

    /// Pays each row of the CSV file its argument names: `to`, `amount`.
    static let batch = Script.text("""
        local particeep = payrun.provider("particeep")
        for row in payrun.csv.file(1) do
          particeep:put("/transaction", { issuer_id = "usr_1", recipient_id = row.to, amount = tonumber(row.amount), currency = "EUR" })
        end
        """, name: "payouts.lua")

    /// The nightly batch run twice on the same file: the second run paid every row again without
    /// a word. A daily job whose input file does not change runs again as before, but says so.
    @Test func theSameFilesRunAgainAfterTheirRunFinishedSaySo() async throws {
        try await withServer { server in
            let engine = engine(server, store: MemoryRunStore(), hits: HitCounter())
            let file = TestFiles.path("paid-once") + ".csv"
            try Self.write("usr_2,100\nusr_3,200\n", to: file)
            let puts = { Self.payments(server) }
            var options = RunOptions()
            options.arguments = [file]
            let first = try await engine.run(Self.batch, options: options)
            #expect(first.status == .success && puts() == 2)
            #expect(first.output?.standardError.contains("same input files") == false)
            let again = try await engine.run(Self.batch, options: options)
            #expect(again.status == .success && puts() == 4)
            #expect(again.output?.standardError.contains(
                "payrun: run \(first.run!.id) of this job finished ") == true && again.output?.standardError.contains(
                "on these same input files, after sending 2 payment(s): this is a new run, and it sends its payments afresh") == true,
                    "\(again.output?.standardError ?? "")")
            await engine.shutdown()
        }
    }

    /// A script edited between a crash and its resume: a payment whose request the edit changed
    /// matched nothing journaled, and went again, paying every row twice.
    @Test func aRunResumedOnAChangedScriptStopsBeforeAPaymentItsChangeMayHaveAltered() async throws {
        try await withServer { server in
            let engine = engine(server, store: MemoryRunStore(), hits: HitCounter())
            let file = TestFiles.path("changed-script") + ".csv"
            try Self.write("usr_2,100\nusr_3,200\nusr_nobody,300\n", to: file)
            let puts = { Self.payments(server) }
            func script(_ extra: String, _ comment: String = "") -> Script {
                .text("""
                    \(comment)
                    local particeep = payrun.provider("particeep")
                    for row in payrun.csv.file(1) do
                      particeep:put("/transaction", { issuer_id = "usr_1", recipient_id = row.to, amount = tonumber(row.amount), currency = "EUR"\(extra) })
                    end
                    """, name: "payouts.lua")
            }
            var options = RunOptions()
            options.arguments = [file]
            options.runKey = "payouts-nightly"
            let failed = try await engine.run(script(""), options: options)
            #expect(failed.status == .scriptFailed && puts() == 3, "two paid, the third refused")

            // An edit that leaves the requests as they were resumes as before.
            let commented = try await engine.run(script("", "-- checked by ops"), options: options)
            #expect(commented.resumed && commented.error?.message.contains("particeep: 400 error.user.none") == true, "\(commented.error?.message ?? "")")
            #expect(puts() == 3, "answered from the journal")

            // One that changes them stops before the first, naming the payment it may be.
            let changed = try await engine.run(script(", description = 'nightly'"), options: options)
            #expect(changed.status == .scriptFailed && changed.error?.kind == .journal)
            let message = changed.error?.message ?? ""
            #expect(message.contains("PUT /transaction to particeep carrying amount=100, currency=\"EUR\", description=\"nightly\", issuer_id=\"usr_1\", "
                + "recipient_id=\"usr_2\" matches no payment the earlier attempts of run \(failed.run!.id) journaled"), "\(message)")
            #expect(message.contains("they sent 2 such payments, the first m_"), "\(message)")
            #expect(message.contains("carrying amount=100, currency=\"EUR\", issuer_id=\"usr_1\", recipient_id=\"usr_2\" (answered 200 id=txn_"), "\(message)")
            #expect(message.contains("--send-changed"), "\(message)")
            #expect(puts() == 3, "nothing was sent")
            #expect(changed.run?.status == .failed, "the run resumes next time")

            // Asked for: the changed requests go.
            options.sendsChangedRequests = true
            let sent = try await engine.run(script(", description = 'nightly'"), options: options)
            #expect(sent.resumed && sent.error?.message.contains("particeep: 400 error.user.none") == true, "\(sent.error?.message ?? "")")
            #expect(puts() == 6, "each row sent again, as asked")
            await engine.shutdown()
        }
    }

    /// Steps on a changed script: one found done makes nothing again, and is no cause to stop;
    /// one renamed matches nothing, and the payments it made are guarded as any others.
    @Test func aChangedScriptsStepsFoundDoneAreNoCauseToStopAndRenamedOnesAreGuarded() async throws {
        try await withServer { server in
            let engine = engine(server, store: MemoryRunStore(), hits: HitCounter())
            let file = TestFiles.path("changed-steps") + ".csv"
            try Self.write("usr_2,100\nusr_3,200\nusr_nobody,300\n", to: file)
            let puts = { Self.payments(server) }
            func script(step: String, _ comment: String = "") -> Script {
                .text("""
                    \(comment)
                    local particeep = payrun.provider("particeep")
                    for row in payrun.csv.file(1) do
                      payrun.step(\(step), function()
                        particeep:put("/transaction", { issuer_id = "usr_1", recipient_id = row.to, amount = tonumber(row.amount), currency = "EUR" })
                      end)
                    end
                    """, name: "steps.lua")
            }
            var options = RunOptions()
            options.arguments = [file]
            options.runKey = "steps-nightly"
            #expect(try await engine.run(script(step: "'pay:' .. row.to"), options: options).status == .scriptFailed)
            #expect(puts() == 3)
            // The bad row fixed, the script edited: the two steps are done, the new row is paid.
            try Self.write("usr_2,100\nusr_3,200\nusr_4,300\n", to: file)
            options.runKey = "steps-nightly"
            let edited = try await engine.run(script(step: "'pay:' .. row.to", "-- row 3 fixed"), options: options)
            #expect(edited.status == .success && edited.resumed, "\(edited.error?.message ?? "")")
            #expect(puts() == 4, "only the fixed row")

            // Another job, whose steps are renamed on resume: their payments are no longer found.
            try Self.write("usr_2,100\nusr_nobody,300\n", to: file)
            options.runKey = "steps-renamed"
            #expect(try await engine.run(script(step: "'pay:' .. row.to"), options: options).status == .scriptFailed)
            #expect(puts() == 6)
            let renamed = try await engine.run(script(step: "'payout:' .. row.to"), options: options)
            #expect(renamed.status == .scriptFailed && renamed.error?.message.contains("matches no payment the earlier attempts") == true,
                    "\(renamed.error?.message ?? "")")
            #expect(puts() == 6, "nothing paid again")
            await engine.shutdown()
        }
    }

    /// The key had the arguments as typed: `cw.csv`, `./cw.csv` and its path from the root were
    /// three jobs, and a killed run resumed from another folder paid the file again.
    @Test func aFileArgumentNamedAnotherWayIsTheSameJob() async throws {
        try await withServer { server in
            let store = MemoryRunStore()
            let engine = engine(server, store: store, hits: HitCounter())
            let folder = TestFiles.path("named-twice")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try "to,amount\nusr_2,100\nusr_3,200\nusr_nobody,300\n".write(toFile: folder + "/payouts.csv", atomically: true, encoding: .utf8)
            try? FileManager.default.removeItem(atPath: folder + "/latest.csv")
            try FileManager.default.createSymbolicLink(atPath: folder + "/latest.csv", withDestinationPath: "payouts.csv")
            let puts = { Self.payments(server) }
            var options = RunOptions()
            options.arguments = [folder + "/payouts.csv"]
            let failed = try await engine.run(Self.batch, options: options)
            #expect(failed.status == .scriptFailed && puts() == 3)
            #expect(failed.run?.arguments == [folder + "/payouts.csv"])
            // From this process's folder, as a shell in another folder would type it.
            let up = String(repeating: "../", count: FileManager.default.currentDirectoryPath.split(separator: "/").count)
            let relative = up + folder.dropFirst() + "/payouts.csv"
            for other in [folder + "/./payouts.csv", folder + "//payouts.csv", folder + "/latest.csv", relative] {
                options.arguments = [other]
                let again = try await engine.run(Self.batch, options: options)
                #expect(again.resumed && again.run?.id == failed.run?.id, "\(other) is the same file: \(again.error?.message ?? "")")
                #expect(puts() == 3, "\(other): the journal answered the two payments, and the third failed again unsent")
            }
            await engine.shutdown()
        }
    }

    @Test func aBatchRunAgainOnAFixedFileDoesNotPayItsFirstRowsTwice() async throws {
        // The usual way on after a bad row: fix the file, run again. The changed file makes a new
        // default key; as a new job it would pay the rows before the bad one again.
        try await withServer { server in
            let store = MemoryRunStore()
            let engine = engine(server, store: store, hits: HitCounter())
            let file = TestFiles.path("payouts") + ".csv"
            try Self.write("usr_2,100\nusr_3,200\nusr_nobody,300\n", to: file)
            let script = Self.batch
            var options = RunOptions()
            options.arguments = [file]
            let failed = try await engine.run(script, options: options)
            #expect(failed.status == .scriptFailed)
            let puts = { Self.payments(server) }
            #expect(puts() == 3)

            // A listener sharing the store has handled many events since.
            for index in 0..<150 {
                try await store.insert(RunRecord(
                    id: "r_" + String(format: "%016x", index), key: "webhook particeep e\(index)", script: "handlers.lua", scriptDigest: "",
                    arguments: [], environment: "sandbox", user: "ops", host: "box", processID: 1, startedAt: Int(Date().timeIntervalSince1970) + 1,
                    endedAt: Int(Date().timeIntervalSince1970) + 1, status: .finished))
            }
            try Self.write("usr_2,100\nusr_3,200\nusr_4,300\n", to: file)
            let refused = try await engine.run(script, options: options)
            #expect(refused.status == .scriptFailed)
            let message = refused.error?.message ?? ""
            #expect(message.contains("run \(failed.run!.id) of payouts.lua with these arguments did not finish (failed, 3 payment(s) sent)"), "\(message)")
            #expect(message.contains("run with --run-key \(failed.run!.key)"), "\(message)")
            #expect(puts() == 3, "nothing was sent")

            options.runKey = failed.run!.key
            let resumed = try await engine.run(script, options: options)
            #expect(resumed.status == .success, "\(String(describing: resumed.error))")
            #expect(resumed.resumed)
            #expect(puts() == 4, "only the fixed row was sent")

            // Once that job finished, the file run again is a new job, as before.
            options.runKey = nil
            try Self.write("usr_5,100\n", to: file)
            #expect(try await engine.run(script, options: options).status == .success)
            #expect(puts() == 5)
            await engine.shutdown()
        }
    }

    @Test func aRunThatCaughtAPaymentInDoubtSaysSoWhenItEnds() async throws {
        // The script went on past the error, and ends well: the job is not finished, and the next
        // run stops at the payment. Said at the end, not only then.
        try await withServer { server in
            server.faults.replace(with: try FaultPlan(parsing: "PUT /particeep/v1/transaction: lose-answer"))
            let engine = engine(server, store: MemoryRunStore(), hits: HitCounter())
            let result = try await engine.run(.text("""
                local particeep = payrun.provider("particeep")
                local ok = pcall(particeep.put, particeep, "/transaction", { issuer_id = "usr_1", recipient_id = "usr_2", amount = 5, currency = "EUR" })
                print(ok)
                """, name: "caught.lua"), options: RunOptions())
            // Exit status 4, not 0: a scheduler sees that the job did not finish.
            #expect(result.status == .inDoubt && result.output?.standardOutput == "false\n")
            #expect(result.run?.status == .inDoubt)
            #expect(result.error?.kind == .inDoubt)
            let said = result.error?.message ?? ""
            #expect(said.hasPrefix("run \(result.run!.id) ended with 1 payment(s) in doubt: sent, and no answer kept. Run the same command again to settle them"), "\(said)")

            // Stopped (its deadline passed) while the provider holds the answer back: the same.
            // The deadline leaves the payment 5 s to reach the provider, which holds it 60 s.
            server.faults.replace(with: try FaultPlan(parsing: "PUT /particeep/v1/transaction: latency=60s"))
            var options = RunOptions()
            options.deadline = .now + .seconds(5)
            let stopped = try await engine.run(.text("""
                local particeep = payrun.provider("particeep")
                particeep:put("/transaction", { issuer_id = "usr_1", recipient_id = "usr_3", amount = 6, currency = "EUR" })
                """, name: "stopped.lua"), options: options)
            #expect(stopped.status != .success)
            #expect(stopped.output?.standardError.contains("payrun: run \(stopped.run!.id) ended with 1 payment(s) in doubt") == true,
                    "\(stopped.output?.standardError ?? "")")
            await engine.shutdown()
        }
    }

    @Test func aNewRunOnAFixedFileLeavesTheOldRunBehindAndSaysSo() async throws {
        try await withServer { server in
            let engine = engine(server, store: MemoryRunStore(), hits: HitCounter())
            let file = TestFiles.path("payouts") + ".csv"
            try Self.write("usr_2,100\nusr_nobody,300\n", to: file)
            let script = Self.batch
            var options = RunOptions()
            options.arguments = [file]
            let failed = try await engine.run(script, options: options)
            #expect(failed.status == .scriptFailed)
            try Self.write("usr_2,100\nusr_3,300\n", to: file)
            options.startsAfresh = true
            let fresh = try await engine.run(script, options: options)
            #expect(fresh.status == .success, "\(String(describing: fresh.error))")
            let said = fresh.output?.standardError ?? ""
            #expect(said.contains("--new-run: the unfinished run \(failed.run!.id) of this script on its input as it was (failed, 2 payment(s) sent) is left interrupted"), "\(said)")
            #expect(try await engine.journal(of: failed.run!.id).last?.body["abandoned"] == .bool(true))
            // The one left behind stops no later run.
            options.startsAfresh = false
            try Self.write("usr_5,100\n", to: file)
            let next = try await engine.run(script, options: options)
            #expect(next.status == .success, "\(String(describing: next.error))")
            await engine.shutdown()
        }
    }

    @Test func aStepLeftUnfinishedIsSettledByItsLookup() async throws {
        try await withServer { server in
            let hits = HitCounter()
            let engine = engine(server, store: MemoryRunStore(), hits: hits)
            // The first attempt fails inside the step, after paying: the step is left unfinished.
            let script = Script.text("""
                local particeep = payrun.provider("particeep")
                local paid = payrun.step("pay:T9", function()
                  counter.hit()
                  local made = particeep:put("/transaction", {
                    issuer_id = "usr_1", recipient_id = "usr_3", amount = 900, currency = "EUR", custom = { ref = "T9" } })
                  if arg[1] == "fail" then error("lost on the way back") end
                  return made.id
                end, { lookup = function()
                  for transaction in particeep:paginate("/transaction/search", { issuer_id = "usr_1" }) do
                    if transaction.custom.ref == "T9" then return transaction.id end
                  end
                end })
                return paid
                """, name: "lookup.lua")
            var options = RunOptions()
            options.runKey = "lookup"
            options.arguments = ["fail"]
            let first = try await engine.run(script, options: options)
            #expect(first.status == .scriptFailed)
            #expect(first.error?.message.contains("lost on the way back") == true)
            options.arguments = []
            let second = try await engine.run(script, options: options)
            #expect(second.status == .success, "\(second.error?.description ?? "")")
            #expect(second.values.first?.string?.hasPrefix("txn_") == true)
            #expect(hits.count == 1, "the lookup found the payment: the step's function did not run again")
            let finished = try await engine.journal(of: second.run!.id).filter { $0.kind == .stepFinished }
            #expect(finished.count == 1 && finished.first?.body["by"] == .string("lookup"), "the journal says how the step was settled")
            await engine.shutdown()
        }
    }

    @Test func stepsSayWhatIsWrongWithThem() async throws {
        try await withServer { server in
            let engine = engine(server, store: MemoryRunStore(), hits: HitCounter())
            let twice = try await engine.run(Script.text("""
                payrun.step("a", function() return 1 end)
                payrun.step("a", function() return 2 end)
                """, name: "twice.lua"))
            #expect(twice.error?.message == "twice.lua:2: step 'a' is used twice in one run (first at twice.lua:1)")
            let badName = try await engine.run(Script.text("payrun.step(nil, print)", name: "bad.lua"))
            #expect(badName.error?.message == "bad.lua:1: bad argument #1 to 'step' (string expected, got nil)")
            let noName = try await engine.run(Script.text("payrun.step()", name: "bad.lua"))
            #expect(noName.error?.message == "bad.lua:1: bad argument #1 to 'step' (string expected, got no value)")
            let badLookup = try await engine.run(Script.text("payrun.step('x', print, { lookup = 1 })", name: "bad.lua"))
            #expect(badLookup.error?.message == "bad.lua:1: bad argument #3 to 'step' (field 'lookup': function expected, got number)")
            // A misspelt lookup was dropped without a word: a resumed run paid the step again.
            let misspelt = try await engine.run(Script.text("payrun.step('x', print, { lookpu = function() return 1 end })", name: "bad.lua"))
            #expect(misspelt.error?.message == "bad.lua:1: bad argument #3 to 'step' (unknown field 'lookpu' (the fields are lookup))")
            let firstThroughPcall = try await engine.run(Script.text("""
                pcall(payrun.step, "b", function() return 1 end)
                payrun.step("b", function() return 2 end)
                """, name: "pc.lua"))
            #expect(firstThroughPcall.error?.message == "pc.lua:2: step 'b' is used twice in one run", "not '(first at )'")
            let unstorable = try await engine.run(Script.text("payrun.step('f', function() return print end)", name: "f.lua"))
            #expect(unstorable.error?.message.contains("step 'f' returned what cannot be stored: a function cannot be stored") == true)
            // Without a store, a step is a plain call.
            let plain = PayrunEngine(.standard())
            let result = try await plain.run(Script.text("return payrun.step('a', function() return 'x', 2 end)", name: "p.lua"))
            #expect(result.values == [.string("x"), .integer(2)])
            await plain.shutdown()
            await engine.shutdown()
        }
    }

    @Test func oneJobRunsOnceAtATimeInAnEngine() async throws {
        try await withServer { server in
            // The first run holds the job until the second has been refused (`gate.wait()`): a
            // fixed wait on either side was outlasted under Thread Sanitizer, with every suite
            // running at once.
            let hits = HitCounter()
            let gate = HostGate()
            var configuration = PayrunEngine.Configuration.standard()
            configuration.sandboxServer = RunningSandbox(url: server.baseURL)
            configuration.store = MemoryRunStore()
            var host = HostLibrary("gate")
            host.add("enter") { _ in .integer(hits.hit()) }
            host.add("wait") { _ in .bool(await gate.wait()) }
            configuration.host = [host]
            let engine = PayrunEngine(configuration)
            let options = { () -> RunOptions in
                var options = RunOptions()
                options.runKey = "nightly"
                return options
            }()
            let held = Script.text("gate.enter() gate.wait() return 'first'", name: "slow.lua")
            let first = Task { try await engine.run(held, options: options) }
            for _ in 0..<2_000 where hits.count == 0 {
                try await Task.sleep(for: .milliseconds(10))
            }
            try #require(hits.count == 1, "the first run began within 20 s")
            let second = try await engine.run(held, options: options)
            await gate.open()
            #expect(second.status == .scriptFailed)
            #expect(second.error?.kind == .journal)
            #expect(second.error?.message == "the run did not begin: a run of this job is under way in this engine; wait for it to end, or give this one another key")
            #expect(try await first.value.values == [.string("first")])
            let third = try await engine.run(held, options: options)
            #expect(third.status == .success, "the key is free again once the first run ended")
            await engine.shutdown()
        }
    }

    /// Two engines of one service on one state file: the pid check cannot tell their runs apart
    /// (they share the process), so the key is held in the process, and the second run is
    /// refused instead of resuming the first's and paying again.
    @Test func oneJobRunsOnceAtATimeInAProcessWithTwoEnginesOnOneStateFile() async throws {
        try await withServer { server in
            let folder = TestFiles.path("two-engines")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            // One file by two paths.
            let firstStore = try await SQLiteRunStore.open(at: folder + "/state.db")
            let secondStore = try await SQLiteRunStore.open(at: folder + "/./state.db")
            // The first run waits in `gate.wait()` until the second has been tried.
            let gate = HostGate()
            func engine(_ store: any RunStore) -> PayrunEngine {
                var configuration = PayrunEngine.Configuration.standard()
                configuration.sandboxServer = RunningSandbox(url: server.baseURL)
                configuration.store = store
                var waiting = HostLibrary("gate")
                waiting.add("wait") { _ in .bool(await gate.wait()) }
                configuration.host = [waiting]
                return PayrunEngine(configuration)
            }
            let first = engine(firstStore)
            let second = engine(secondStore)
            let options = { () -> RunOptions in
                var options = RunOptions()
                options.runKey = "nightly"
                return options
            }()
            let pay = Script.text("""
                gate.wait()
                payrun.provider("particeep"):put("/transaction", { issuer_id = "usr_1", recipient_id = "usr_2", amount = 100, currency = "EUR" })
                return "paid"
                """, name: "pay.lua")
            let running = Task { try await first.run(pay, options: options) }
            // Until the first has begun its run.
            for _ in 0..<2_000 where try await firstStore.latestRun(key: "nightly")?.status != .running {
                try await Task.sleep(for: .milliseconds(10))
            }
            try #require(try await firstStore.latestRun(key: "nightly")?.status == .running, "the first run began within 20 s")
            let refused = try await second.run(pay, options: options)
            await gate.open()
            #expect(refused.status == .scriptFailed)
            #expect(refused.runningElsewhere?.hasPrefix("r_") == true, "\(refused.error?.message ?? "")")
            #expect(refused.error?.message.contains("is still running in this process (another engine on the same store)") == true,
                    "\(refused.error?.message ?? "")")
            #expect(try await running.value.values == [.string("paid")])
            #expect(server.requests.all.count { $0.method == "PUT" } == 1, "paid once")
            let after = try await second.run(Script.text("return 'again'", name: "pay.lua"), options: options)
            #expect(after.run?.status == .finished, "the key is free once the first run ended: \(after.error?.message ?? "")")
            await first.shutdown()
            await second.shutdown()
            await firstStore.close()
            await secondStore.close()
        }
    }

    /// A run of the job going on in another process of this machine: a run that waits for it
    /// reads its journal for the process's identity once, not at each look (every 250 ms), and
    /// the job resumes once that process is gone.
    @Test func aRunWaitingForAnotherProcessesRunReadsItsJournalOnce() async throws {
        try await withServer { server in
            let reads = Mutex<[String: Int]>([:])
            let store = ObservedRunStore(location: "(memory, its journal reads counted)", reading: { id in reads.withLock { $0[id, default: 0] += 1 } })
            let engine = engine(server, store: store, hits: HitCounter())
            let other = Process()
            other.executableURL = URL(fileURLWithPath: "/bin/sleep")
            other.arguments = ["30"]
            try other.run()
            defer { if other.isRunning { kill(other.processIdentifier, SIGKILL) } }
            let identity = try #require(ProcessIdentity.of(Int(other.processIdentifier)))
            try await store.insert(RunRecord(
                id: "r_elsewhere", key: "nightly", script: "job.lua", scriptDigest: "", arguments: [], environment: "sandbox",
                user: "ops", host: RunStart.currentHost, processID: Int(other.processIdentifier), startedAt: UTCTime.now()))
            try await store.append(
                JournalRecord(runID: "r_elsewhere", kind: .runStarted, body: .object(["attempt": .integer(1), "process": .string(identity)])),
                durable: false)
            let options = { () -> RunOptions in
                var options = RunOptions()
                options.runKey = "nightly"
                options.waitsForRunningRun = .milliseconds(1_300)
                return options
            }()
            let job = Script.text("return 'ran'", name: "job.lua")
            let refused = try await engine.run(job, options: options)
            #expect(refused.runningElsewhere == "r_elsewhere", "\(refused.error?.message ?? "")")
            #expect(reads.withLock { $0["r_elsewhere"] } == 1, "looked at about five times, its journal read once")
            // Gone, as a killed run's process is (and reaped, so its pid is free).
            kill(other.processIdentifier, SIGKILL)
            other.waitUntilExit()
            let resumed = try await engine.run(job, options: options)
            #expect(resumed.values == [.string("ran")], "\(resumed.error?.message ?? "")")
            #expect(resumed.resumed && resumed.run?.id == "r_elsewhere")
            await engine.shutdown()
        }
    }

    @Test func aRunKeyNeverResumesAcrossEnvironments() async throws {
        try await withServer { server in
            let store = MemoryRunStore()
            let sandbox = engine(server, store: store, hits: HitCounter())
            var options = RunOptions()
            options.runKey = "payouts-2026-11-30"
            let failed = try await sandbox.run(Script.text("error('stopped')", name: "job.lua"), options: options)
            #expect(failed.run?.status == .failed)
            var configuration = PayrunEngine.Configuration.standard(environment: .test)
            configuration.store = store
            let test = PayrunEngine(configuration)
            let refused = try await test.run(Script.text("return 1", name: "job.lua"), options: options)
            #expect(refused.status == .scriptFailed)
            #expect(refused.error?.message.contains("ran in sandbox, not test") == true, "\(refused.error?.message ?? "")")
            await test.shutdown()
            await sandbox.shutdown()
        }
    }

    @Test func aHostListsRunsAndResumesOne() async throws {
        try await withServer { server in
            let engine = engine(server, store: MemoryRunStore(), hits: HitCounter())
            let folder = TestFiles.path("payrun-resume")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let path = folder + "/job.lua"
            let marker = folder + "/fail"
            try "".write(toFile: marker, atomically: true, encoding: .utf8)
            // Fails while its argument names a file that exists.
            try """
                local particeep = payrun.provider("particeep")
                particeep:put("/transaction", { issuer_id = "usr_1", recipient_id = "usr_4", amount = 700, currency = "EUR" })
                if payrun.input(1) == "" then error("not yet") end
                return "done"
                """.write(toFile: path, atomically: true, encoding: .utf8)
            var options = RunOptions()
            options.arguments = [marker]
            let failed = try await engine.run(.file(path), options: options)
            #expect(failed.status == .scriptFailed)
            let listed = try await engine.runs()
            #expect(listed.first?.id == failed.run?.id)
            #expect(listed.first?.status == .failed)
            #expect(listed.first?.arguments == [marker])

            try "go".write(toFile: marker, atomically: true, encoding: .utf8)
            let resumed = try await engine.resume(failed.run!.id)
            #expect(resumed.status == .success, "\(resumed.error?.description ?? "")")
            #expect(resumed.values == [.string("done")])
            #expect(resumed.requestCount == 0)
            await #expect(throws: RunRefused.self) { try await engine.resume(failed.run!.id) }
            await engine.shutdown()
        }
    }
}

/// Counts a host function's calls.
final class HitCounter: Sendable {
    private let hits = Atomic(0)

    var count: Int { hits.load(ordering: .acquiring) }

    func hit() -> Int {
        hits.add(1, ordering: .acquiringAndReleasing).newValue
    }
}
