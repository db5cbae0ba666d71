// Several `payrun listen` processes on one PostgreSQL inbox, as a team behind a load balancer runs
// them: events sent to either are handled by one at a time, a listener killed with SIGKILL has its
// claims taken over by another within 30 s, and PostgreSQL restarted in the middle of a burst
// loses nothing and pays nothing twice. Each test checks the simulator's state afterwards.
import Foundation
import PayrunLocks
import PayrunPostgres
import PayrunTestSupport
import Testing

@Suite(.serialized) struct SharedInboxTests {
    let folder = TestFiles.path("payrun-shared") + "/"

    init() throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    /// A new database on `server`, as a `--state` URL.
    func database(on server: PostgresServer) async throws -> String {
        try await server.freshDatabase(prefix: "payrun_shared_")
    }

    /// The inbox's events in `state`, as `payrun inbox list --json` gives them.
    func events(_ state: String, _ arguments: [String] = []) async throws -> [[String: Any]] {
        let result = try await PayrunProcess.runOnce(["inbox", "list", "--limit", "100000", "--state", state, "--json"] + arguments)
        try #require(result.status == 0, "\(result.standardError)")
        return try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]] ?? []
    }

    /// Waits up to `seconds` for `total` events to be handled; returns how many are.
    func waitUntilHandled(_ total: Int, in state: String, seconds: Double = 240) async throws -> Int {
        let deadline = Date().addingTimeInterval(seconds)
        var handled = 0
        while Date() < deadline {
            handled = try await events(state, ["--status", "handled"]).count
            if handled == total { break }
            try await Task.sleep(for: .seconds(1))
        }
        return handled
    }

    /// Waits for `total` events to be handled, and checks the simulator has exactly one transfer
    /// for each.
    func expectEveryEventHandledAndPaidOnce(
        _ total: Int, in state: String, by payouts: PayoutHandlers, listeners: [ListenerProcess]
    ) async throws {
        let handled = try await waitUntilHandled(total, in: state)
        let others = try await events(state).filter { $0["state"] as? String != "handled" }
        let story = handled == total ? "" : try await story(of: others.prefix(2), in: state, listeners: listeners)
        #expect(handled == total, "\(handled) handled; not handled: \(others.prefix(5))\n\(story)")
        let paid = try await payouts.transfers()
        #expect(paid.count == total, "\(paid.count) events paid")
        #expect(paid.filter { $0.value.count != 1 }.isEmpty, "paid twice: \(paid.filter { $0.value.count != 1 }.prefix(5))")
    }

    /// What happened to `events`, for a failure's message: each one's attempts and runs as
    /// `payrun inbox show` and `payrun runs show` give them, and what the listeners logged of it.
    func story(of events: ArraySlice<[String: Any]>, in state: String, listeners: [ListenerProcess]) async throws -> String {
        var story = ""
        for event in events {
            guard let id = event["id"] as? Int else { continue }
            let shown = try await PayrunProcess.runOnce(["inbox", "show", String(id), "--state", state, "--json"])
            story += "inbox show \(id):\n\(shown.standardOutput)\n"
            let attempts = (try? JSONSerialization.jsonObject(with: Data(shown.standardOutput.utf8)) as? [String: Any])?["attempts_made"] as? [[String: Any]]
            for run in Set((attempts ?? []).compactMap { $0["run"] as? String }).sorted() {
                story += "runs show \(run):\n\(try await PayrunProcess.runOnce(["runs", "show", run, "--state", state]).standardOutput)\n"
            }
            for (number, listener) in listeners.enumerated() {
                let lines = listener.output.split(separator: "\n").filter { $0.contains("event \(id) ") || $0.contains("event \(id):") }
                story += "listener \(number + 1) on event \(id):\n" + lines.joined(separator: "\n") + "\n"
            }
        }
        return story
    }

    /// The listener's lines saying it handled an event.
    static func handledLines(_ listener: ListenerProcess) -> Int {
        listener.output.components(separatedBy: "\n").filter { $0.contains(" handled (attempt ") }.count
    }

    @Test func twoListenersShareTheInboxAndAKilledOnesEventsAreTakenOverWithin30Seconds() async throws {
        let state = try await database(on: try await PostgresServer.sharedOffThePool())
        let payouts = try await PayoutHandlers(folder: folder)
        let arguments = ["--concurrency", "4", "--retry", "200ms,200ms,200ms,200ms,200ms"]
        let first = try ListenerProcess(handlers: payouts.file, state: state, arguments: arguments, environment: payouts.environment)
        let second = try ListenerProcess(handlers: payouts.file, state: state, arguments: arguments, environment: payouts.environment)
        let total = 1000
        let answered = Answered()
        // Half the senders start at each listener, as a load balancer spreads them.
        let urls = Locked([first.url, second.url].map { $0 + "/webhooks/particeep" })
        let senders = WebhookSender.burst(
            total: total, senders: 8, urls: urls, answered: answered,
            body: PayoutHandlers.body, headers: { ListenTests.particeepHeaders() })
        while answered.count < 400 { try await Task.sleep(for: .milliseconds(20)) }
        urls.withLock { $0.removeFirst() }
        first.kill()
        let killedAt = Date()
        // A second later the other listener's handlers (tens of ms each) have moved on: the events
        // still running are the ones the killed listener held.
        try await Task.sleep(for: .seconds(1))
        let held = try await events(state, ["--status", "running"]).count
        // Its claims are leased for 10 s and renewed every 2 s: the other takes them back after that.
        let takenOver = await second.waitForLog(40) { $0.contains("held by a listener that stopped renewing its claims are due again") }
        let took = Date().timeIntervalSince(killedAt)
        if held > 0 {
            let tail = second.output.split(separator: "\n").suffix(15).joined(separator: "\n")
            #expect(takenOver && took < 30, "\(held) event(s) the killed listener held; taken over: \(takenOver), after \(took) s; the other's log ends: \(tail)")
        }
        for sender in senders { await sender.value }
        #expect(answered.count == total, "every event is answered 2xx in the end")
        try await expectEveryEventHandledAndPaidOnce(total, in: state, by: payouts, listeners: [first, second])
        #expect(Self.handledLines(first) > 0 && Self.handledLines(second) > 0, "both listeners handed events over")
        second.stop()
    }

    /// A listener whose claim lapsed while its handlers ran (the store away longer than a lease)
    /// may take the event back and claim it again itself. The handlers it is still running are
    /// not started a second time: a second run of the same key beside the first could send what
    /// the first's journal has not recorded yet.
    @Test func anEventClaimedAgainWhileItsHandlersRunHereIsNotStartedTwice() async throws {
        let state = try await database(on: try await PostgresServer.sharedOffThePool())
        let payouts = try await PayoutHandlers(folder: folder, before: "print('handling ' .. event.body.ref)", after: "print('paid'); payrun.sleep(3)")
        // Room for a second handler: with one, the listener claims nothing while the first runs.
        let listener = try ListenerProcess(handlers: payouts.file, state: state, arguments: ["--concurrency", "2"], environment: payouts.environment)
        let status = await WebhookSender.post(listener.url + "/webhooks/particeep", body: PayoutHandlers.body(1), headers: ListenTests.particeepHeaders())
        #expect(status == 200)
        await #expect(listener.waitForLog(30) { $0.contains("paid") }, "the handler paid; the listener says: \(listener.output)")
        // What the listener itself does once it could not renew a claim in time.
        let inbox = try await PostgresInboxStore.open(state)
        let taken = try await inbox.recover(leasesEndedBy: .max, now: Int(Date().timeIntervalSince1970 * 1000))
        #expect(taken == 1, "the running event was taken back")
        await #expect(listener.waitForLog(10) { $0.contains("claimed again while its handlers still run here") }, "\(listener.output)")
        #expect(try await waitUntilHandled(1, in: state, seconds: 30) == 1, "\(listener.output)")
        #expect(listener.output.components(separatedBy: "handling E-1").count == 2, "the handlers started once: \(listener.output)")
        await #expect(try payouts.transfers()["E-1"]?.count == 1, "paid once")
        // The taken-back attempt ends interrupted and the first run's outcome is recorded: no
        // attempt failed, and none went unrecorded.
        let shown = try await PayrunProcess.runOnce(["inbox", "show", "1", "--state", state, "--json"])
        let attempts = (try JSONSerialization.jsonObject(with: Data(shown.standardOutput.utf8)) as? [String: Any])?["attempts_made"] as? [[String: Any]] ?? []
        #expect(attempts.compactMap { $0["outcome"] as? String } == ["interrupted", "handled"], "\(shown.standardOutput)")
        #expect(!listener.output.contains("before this attempt's outcome could be recorded"), "\(listener.output)")
        listener.stop()
    }

    /// Claims are committed without waiting for a flush, so a database that crashes just after
    /// one can lose it while the listener runs its handlers: the event is then due again as if
    /// it had never been tried (no attempt, no outcome). Its next claim must find the run that
    /// finished and not pay again. The lost claim is made here as the crash leaves it, by hand,
    /// while the handler sleeps after paying (a crash cannot be timed between claim and flush).
    @Test func anEventWhoseClaimTheDatabaseLostIsNotPaidAgain() async throws {
        let server = try await PostgresServer.sharedOffThePool()
        let state = try await database(on: server)
        let payouts = try await PayoutHandlers(folder: folder, before: "print('handling ' .. event.body.ref)", after: "print('paid'); payrun.sleep(5)")
        // One at a time: the event is claimed again only once its first run has ended.
        let listener = try ListenerProcess(
            handlers: payouts.file, state: state, arguments: ["--concurrency", "1", "--retry", "200ms,200ms"], environment: payouts.environment)
        let status = await WebhookSender.post(listener.url + "/webhooks/particeep", body: PayoutHandlers.body(1), headers: ListenTests.particeepHeaders())
        #expect(status == 200)
        await #expect(listener.waitForLog(30) { $0.contains("paid") }, "the handler paid; the listener says: \(listener.output)")
        let database = String(state.split(separator: "/").last!)
        try await offThePool {
            try server.execute("""
                UPDATE payrun.events SET state = 'received', attempts = 0, owner = NULL, lease_until = NULL, claimed_at = NULL, outcome = NULL;
                DELETE FROM payrun.event_attempts
                """, in: database)
        }
        #expect(try await waitUntilHandled(1, in: state, seconds: 30) == 1, "\(listener.output)")
        #expect(listener.output.contains("its claim was taken back (by another listener, or lost with the database) before this attempt's outcome could be recorded"),
                "the first run's outcome found its claim gone: \(listener.output)")
        // Said once, not followed by an outcome that was not recorded.
        #expect(!listener.output.contains("handled (attempt 1"), "\(listener.output)")
        #expect(listener.output.contains("handled (by its earlier run r_"), "\(listener.output)")
        #expect(listener.output.components(separatedBy: "handling E-1").count == 2, "the handlers started once: \(listener.output)")
        await #expect(try payouts.transfers()["E-1"]?.count == 1, "paid once")
        listener.stop()
    }

    /// The journal's table gone while the inbox's work (renamed by hand, as a half-applied
    /// migration or a permission taken away would leave it): the handler's run cannot begin,
    /// which says nothing about the event, so no attempt is counted. With two attempts allowed,
    /// counting them would leave the event dead before the table is back.
    @Test func anEventWhoseRunTheStoreCouldNotBeginIsNotCountedAsFailing() async throws {
        let server = try await PostgresServer.sharedOffThePool()
        let state = try await database(on: server)
        let payouts = try await PayoutHandlers(folder: folder)
        let listener = try ListenerProcess(
            handlers: payouts.file, state: state, arguments: ["--concurrency", "1", "--retry", "300ms"], environment: payouts.environment)
        let database = String(state.split(separator: "/").last!)
        try await offThePool { try server.execute("ALTER TABLE payrun.runs RENAME TO runs_away", in: database) }
        let status = await WebhookSender.post(listener.url + "/webhooks/particeep", body: PayoutHandlers.body(1), headers: ListenTests.particeepHeaders())
        #expect(status == 200)
        await #expect(
            listener.waitForLog(30) { $0.components(separatedBy: "not counted as an attempt").count > 3 },
            "the run could not begin, again and again, without counting: \(listener.output)")
        let waiting = try await events(state)
        #expect(waiting.count == 1 && waiting.first?["state"] as? String != "dead", "\(waiting)")
        try await offThePool { try server.execute("ALTER TABLE payrun.runs_away RENAME TO runs", in: database) }
        #expect(try await waitUntilHandled(1, in: state, seconds: 30) == 1, "\(listener.output)")
        await #expect(try payouts.transfers()["E-1"]?.count == 1, "paid once")
        #expect(!listener.output.contains("dead after"), "\(listener.output)")
        listener.stop()
    }

    /// An idle listener answered `/health` 200 with its database down: it had written nothing
    /// to find out, so a load balancer kept sending it providers' events to refuse.
    @Test func anIdleListenerWhoseDatabaseIsDownIsUnhealthyUntilItIsBack() async throws {
        let server = try await offThePool { try PostgresServer() }
        let state = try await database(on: server)
        let file = folder + "/recording.lua"
        try ListenTests.recording.write(toFile: file, atomically: true, encoding: .utf8)
        let listener = try ListenerProcess(handlers: file, state: state)
        #expect(await WebhookSender.get(listener.url + "/health")?.status == 200)
        // Stopped cleanly: payrun's own commits are not waited for (synchronous_commit off, but
        // for what must be on disk before a sender is answered), and the schema just made could
        // be lost to an immediate stop.
        try await offThePool { try server.stop() }
        var health = await WebhookSender.get(listener.url + "/health")
        for _ in 0..<100 where health?.status != 503 {
            try await Task.sleep(for: .milliseconds(100))
            health = await WebhookSender.get(listener.url + "/health")
        }
        #expect(health?.status == 503 && health?.body.contains(#""status":"inbox unavailable""#) == true, "\(String(describing: health)) \(listener.output)")
        try await offThePool { try server.start() }
        for _ in 0..<200 where health?.status != 200 {
            try await Task.sleep(for: .milliseconds(100))
            health = await WebhookSender.get(listener.url + "/health")
        }
        #expect(health?.status == 200, "healthy again once the database is back: \(String(describing: health)) \(listener.output)")
        listener.stop()
        try server.stop()
    }

    @Test func postgresRestartedInTheMiddleOfABurstLosesNothingAndPaysOnce() async throws {
        // A server of its own: restarting the shared one would fail other suites' tests.
        let server = try await offThePool { try PostgresServer() }
        let state = try await database(on: server)
        let payouts = try await PayoutHandlers(folder: folder)
        let listener = try ListenerProcess(
            handlers: payouts.file, state: state, arguments: ["--concurrency", "4", "--retry", "200ms,200ms,200ms,200ms,200ms"],
            environment: payouts.environment)
        let total = 600
        let (answered, refused) = (Answered(), Answered())
        let senders = WebhookSender.burst(
            total: total, senders: 4, urls: Locked([listener.url + "/webhooks/particeep"]), answered: answered, refused: refused,
            body: PayoutHandlers.body, headers: { ListenTests.particeepHeaders() })
        while answered.count < 150 { try await Task.sleep(for: .milliseconds(20)) }
        // Stopped as a crash would stop it, down for six seconds (receivers wait 3 s for the
        // store before answering 503), then started again.
        try await offThePool { try server.restart(after: 6, mode: "immediate") }
        for sender in senders { await sender.value }
        #expect(refused.count > 0, "senders were answered 503 while the database was down")
        #expect(answered.count == total, "every event is answered 2xx in the end")
        #expect(listener.process.isRunning, "the listener outlived the database's restart")
        try await expectEveryEventHandledAndPaidOnce(total, in: state, by: payouts, listeners: [listener])
        #expect(listener.output.contains("(503: the provider will send it again)"), "the listener said why it answered 503")
        // The database was down: not blamed on another process alone.
        #expect(!listener.output.contains("(another process may hold the database)"), "\(listener.output)")
        listener.stop()
        try server.stop()
    }
}
