// A run whose hold on its job's key is lost while its intent is being written (PostgreSQL
// restarting under a write that waited for it): the intent is on disk, but another process may
// run the job now, so the request it guards is not sent. The payment is left in doubt for the
// next attempt, never sent from two processes at once.
import Foundation
import Payrun
import PayrunSimulators
import PayrunTestSupport
import Synchronization
import Testing

@Suite struct LostKeyTests {
    /// Pays usr_2 (and usr_3, if `both`) as job `payout` on an engine journaling in `store`,
    /// against simulators of its own; `check` sees the result, the store and the simulators.
    func pay(
        both: Bool, on store: ObservedRunStore, _ check: (ScriptResult, SimulatorServer) async throws -> Void
    ) async throws {
        var simulators = SimulatorServer.Configuration()
        simulators.particeep.users = 5
        simulators.particeep.transactions = 0
        try await SimulatorFixture.with(simulators) { server in
            var configuration = PayrunEngine.Configuration.standard()
            configuration.sandboxServer = RunningSandbox(url: server.baseURL)
            configuration.store = store
            let engine = PayrunEngine(configuration)
            var options = RunOptions()
            options.runKey = "payout"
            let result = try await engine.run(Script.text("""
                local particeep = payrun.provider("particeep")
                for i = 2, \(both ? 3 : 2) do
                  particeep:put("/transaction", { issuer_id = "usr_1", recipient_id = "usr_" .. i, amount = 100, currency = "EUR" })
                end
                """, name: "pay.lua"), options: options)
            try await check(result, server)
            await engine.shutdown()
        }
    }

    /// A store whose key holds are lost once its `durableWrites`th durable write is done.
    func losingKeys(after durableWrites: Int) -> ObservedRunStore {
        let held = Mutex(true)
        let written = Mutex(0)
        return ObservedRunStore(
            location: "memory, losing its keys",
            hold: { _ in RunKeyHold(spansMachines: true, isHeld: { held.withLock { $0 } }, release: {}) },
            appended: { durable in
                guard durable else { return }
                if written.withLock({ $0 += 1; return $0 }) == durableWrites { held.withLock { $0 = false } }
            })
    }

    @Test func aKeyLostWhileTheIntentWasWrittenSendsNothingAndLeavesThePaymentInDoubt() async throws {
        let store = losingKeys(after: 1)
        try await pay(both: false, on: store) { result, server in
            #expect(result.status != .success)
            #expect(result.error?.message.contains("the connection that held this job's key was lost") == true, "\(result.error?.message ?? "")")
            #expect(server.requests.all.filter { $0.method == "PUT" }.isEmpty, "nothing was sent")
            let records = try await store.records(of: try #require(result.run?.id))
            #expect(records.contains { $0.kind == .intent }, "the intent is on disk: the next attempt settles it")
            #expect(!records.contains { $0.kind == .outcome }, "and it is not taken for not sent")
        }
    }

    /// The journal failed (a full disk) after a payment's answer came and before it was written:
    /// the next attempt finds the payment in doubt, and the stop did not say it had been applied.
    @Test func aJournalThatFailsAfterAnAnswerSaysWhichPaymentsWereApplied() async throws {
        // Every write fails once the first intent is on disk.
        let full = Mutex(false)
        let store = ObservedRunStore(
            location: "memory, filling up",
            appended: { durable in if durable { full.withLock { $0 = true } } },
            failing: { full.withLock { $0 } ? StoreError(location: "memory", message: "the disk is full", remedy: "free some space") : nil })
        try await pay(both: true, on: store) { result, server in
            #expect(server.requests.all.filter { $0.method == "PUT" }.count == 1)
            let message = result.error?.message ?? ""
            let id = try #require(result.run?.id)
            #expect(message.contains("the run's journal could not be written, so nothing more is sent"), "\(message)")
            #expect(message.contains("Answered, and not journaled: m_"), "\(message)")
            #expect(message.contains(", id=txn_") && message.contains("The next attempt finds it in doubt; it was applied:"), "\(message)")
            #expect(message.contains("payrun runs resolve \(id) m_") && message.contains(" --applied txn_"), "\(message)")
        }
    }

    /// A process that lost its key (the database restarted) while another took the job over
    /// went on to write its run's end: the other's status was overwritten (in doubt became
    /// failed) and its attempts miscounted.
    @Test func aRunThatLostItsKeyLeavesTheRunsStatusToTheProcessThatMayHaveIt() async throws {
        // Lost once the second intent is on disk: the first payment goes, the second does not.
        let store = losingKeys(after: 2)
        try await pay(both: true, on: store) { result, server in
            #expect(result.error?.message.contains("the connection that held this job's key was lost") == true, "\(result.error?.message ?? "")")
            #expect(server.requests.all.filter { $0.method == "PUT" }.count == 1)
            let id = try #require(result.run?.id)
            let records = try await store.records(of: id)
            #expect(records.contains { $0.kind == .outcome }, "the first payment's answer is kept")
            #expect(!records.contains { $0.kind == .runEnded }, "the attempt's end is not this process's to write")
            let status = try await store.run(id)?.status
            #expect(status == .running, "nor the run's status: \(String(describing: status))")
        }
    }
}
