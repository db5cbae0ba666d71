// One suite for every inbox driver: an event stored once per provider and key for good, claims
// that hand each due event to one handler, retries, dead events, recovery after a crash, replays.
// SQLite also shows what only a file can: an older store migrated with its runs kept.
import Foundation
import PayrunJournal
import PayrunPostgres
import PayrunSQLite
import Testing

struct InboxDriver: CustomTestStringConvertible, Sendable {
    let name: String
    let make: @Sendable () async throws -> any InboxStore

    var testDescription: String { name }

    static let all = [
        InboxDriver(name: "memory") { MemoryInboxStore() },
        InboxDriver(name: "SQLite") { try await SQLiteInboxStore.open(at: RunStoreTests.temporaryPath()) },
        InboxDriver(name: "PostgreSQL") { try await PostgresInboxStore.open(try await freshDatabase()) },
    ]
}

@Suite struct InboxStoreTests {
    static func event(_ key: String, provider: String = "particeep", at time: Int = 1_000) -> ReceivedEvent {
        ReceivedEvent(
            provider: provider, type: "transaction_created", key: key, headers: [Header("DateTime", "2026-12-01T10:00:00Z"), Header("Authorization", "[redacted]")],
            body: Array(#"{"id": "\#(key)"}"#.utf8), receivedAt: time)
    }

    /// Runs `body` with a fresh inbox, closed whatever `body` does.
    func using(_ driver: InboxDriver, _ body: (any InboxStore) async throws -> Void) async throws {
        let inbox = try await driver.make()
        do {
            try await body(inbox)
        } catch {
            await inbox.close()
            throw error
        }
        await inbox.close()
    }

    @Test(arguments: InboxDriver.all) func anEventIsStoredOncePerProviderAndKeyForGood(_ driver: InboxDriver) async throws {
        try await using(driver) { inbox in
        let first = try await inbox.store([Self.event("a"), Self.event("b"), Self.event("a"), Self.event("a", provider: "peex")])
        #expect(first.map(\.id) == [first[0].id, first[1].id, first[0].id, first[3].id])
        guard case .stored = first[0], case .stored = first[1], case .duplicate = first[2], case .stored = first[3] else {
            Issue.record("stored, stored, duplicate, stored expected: \(first)")
            return
        }
        // Long after, handled or not, the same event is still a duplicate.
        let handled = try await inbox.claim(limit: 10, now: 2_000, owner: "test", leaseUntil: 1_000_000)
        for event in handled { try await inbox.finish(event.id, attempt: 1, owner: "test", result: .handled, runID: nil, now: 2_000) }
        let later = try await inbox.store([Self.event("b", at: 999_999)])
        #expect(later == [.duplicate(id: first[1].id)])
        let kept = try await inbox.event(first[1].id)
        #expect(kept?.received.body == Array(#"{"id": "b"}"#.utf8) && kept?.received.headers.count == 2 && kept?.state == .handled)
        }
    }

    @Test(arguments: InboxDriver.all) func dueEventsAreClaimedOnceRetriedAtTheirTimeThenDead(_ driver: InboxDriver) async throws {
        try await using(driver) { inbox in
        let ids = try await inbox.store([Self.event("a", at: 100), Self.event("b", at: 200), Self.event("c", at: 5_000)]).map(\.id)
        let claimed = try await inbox.claim(limit: 10, now: 1_000, owner: "test", leaseUntil: 1_000_000)
        #expect(claimed.map(\.id) == [ids[0], ids[1]], "oldest first, and not one received later than now")
        #expect(claimed.allSatisfy { $0.state == .running && $0.attempts == 1 })
        #expect(try await inbox.claim(limit: 10, now: 1_000, owner: "other", leaseUntil: 1_000_000).isEmpty, "a running event is claimed by no one else")
        try await inbox.finish(ids[0], attempt: 1, owner: "test", result: .failed(error: "boom", retryAt: 3_000), runID: "r_1", now: 1_100)
        try await inbox.finish(ids[1], attempt: 1, owner: "test", result: .unhandled, runID: nil, now: 1_100)
        #expect(try await inbox.nextDue() == 3_000)
        #expect(try await inbox.claim(limit: 10, now: 2_999, owner: "test", leaseUntil: 1_000_000).isEmpty)
        let retried = try await inbox.claim(limit: 1, now: 3_000, owner: "test", leaseUntil: 1_000_000)
        #expect(retried.map(\.id) == [ids[0]] && retried.first?.attempts == 2 && retried.first?.lastError == "boom")
        try await inbox.finish(ids[0], attempt: 2, owner: "test", result: .failed(error: "boom again", retryAt: nil), runID: "r_1", now: 3_100)
        let dead = try await inbox.event(ids[0])
        #expect(dead?.state == .dead && dead?.lastError == "boom again")
        let attempts = try await inbox.attempts(of: ids[0])
        #expect(attempts.map(\.outcome) == [.failed, .failed] && attempts.map(\.error) == ["boom", "boom again"] && attempts.first?.runID == "r_1")
        #expect(try await inbox.counts() == [.dead: 1, .unhandled: 1, .received: 1])
        }
    }

    @Test(arguments: InboxDriver.all) func eventsLeftRunningByACrashAreDueAgainWithoutCountingTheAttempt(_ driver: InboxDriver) async throws {
        try await using(driver) { inbox in
        let id = try await inbox.store([Self.event("a")])[0].id
        _ = try await inbox.claim(limit: 1, now: 2_000, owner: "killed", leaseUntil: 1_000_000)
        #expect(try await inbox.recover(leasesEndedBy: .max, now: 3_000) == 1)
        let event = try await inbox.event(id)
        #expect(event?.state == .retrying && event?.attempts == 0 && event?.nextAttemptAt == 1_000, "due at once, in its old place in line")
        #expect(try await inbox.attempts(of: id).map(\.outcome) == [.interrupted])
        let next = try await inbox.claim(limit: 1, now: 3_000, owner: "next", leaseUntil: 1_000_000).first
        #expect(next?.attempts == 1 && next?.lastOutcome == .interrupted, "its handlers may have finished: the listener checks their run")
        // The killed listener's late word on its attempt changes nothing.
        try await inbox.finish(id, attempt: 1, owner: "killed", result: .failed(error: "late", retryAt: nil), runID: nil, now: 3_100)
        #expect(try await inbox.event(id)?.state == .running)
        }
    }

    @Test(arguments: InboxDriver.all) func aClaimWhoseLeaseEndedIsTakenBackAndItsHoldersLateOutcomeIgnored(_ driver: InboxDriver) async throws {
        try await using(driver) { inbox in
        let ids = try await inbox.store([Self.event("a"), Self.event("b")]).map(\.id)
        _ = try await inbox.claim(limit: 1, now: 2_000, owner: "alive", leaseUntil: 17_000)
        _ = try await inbox.claim(limit: 1, now: 2_000, owner: "dead", leaseUntil: 17_000)
        #expect(try await inbox.recover(leasesEndedBy: 16_999, now: 16_999) == 0, "no lease has ended yet")
        #expect(try await inbox.renew(Set(ids), owner: "alive", leaseUntil: 30_000) == [ids[0]], "a heartbeat renews its holder's claims only")
        #expect(try await inbox.recover(leasesEndedBy: 20_000, now: 20_000) == 1, "the listener that stopped renewing loses its claim")
        #expect(try await inbox.event(ids[0])?.state == .running)
        let taken = try await inbox.event(ids[1])
        #expect(taken?.state == .retrying && taken?.attempts == 0 && taken?.lastOutcome == .interrupted)
        let again = try await inbox.claim(limit: 1, now: 20_000, owner: "alive", leaseUntil: 35_000)
        #expect(again.map(\.id) == [ids[1]] && again.first?.attempts == 1)
        // The listener that lost it comes back with its outcome for the same attempt number: too late.
        #expect(try await !inbox.finish(ids[1], attempt: 1, owner: "dead", result: .handled, runID: nil, now: 21_000), "said to be too late")
        #expect(try await inbox.event(ids[1])?.state == .running, "the late outcome of a lost claim changes nothing")
        #expect(try await inbox.renew([ids[1]], owner: "dead", leaseUntil: 40_000).isEmpty, "it holds nothing any more")
        // Its run was going on in the other listener: put off, not counted.
        #expect(try await inbox.finish(ids[1], attempt: 1, owner: "alive", result: .postponed(until: 27_000), runID: nil, now: 22_000))
        let postponed = try await inbox.event(ids[1])
        #expect(postponed?.state == .retrying && postponed?.attempts == 0 && postponed?.nextAttemptAt == 27_000)
        #expect(try await inbox.claim(limit: 1, now: 26_999, owner: "alive", leaseUntil: 40_000).isEmpty)
        let last = try await inbox.claim(limit: 1, now: 27_000, owner: "alive", leaseUntil: 42_000)
        #expect(last.first?.attempts == 1 && last.first?.lastOutcome == .interrupted)
        #expect(try await inbox.finish(ids[1], attempt: 1, owner: "alive", result: .handled, runID: nil, now: 28_000))
        #expect(try await inbox.event(ids[1])?.state == .handled)
        #expect(try await inbox.attempts(of: ids[1]).map(\.outcome) == [.interrupted, .interrupted, .handled])
        }
    }

    @Test(arguments: InboxDriver.all) func replayHandsEventsOverAgainAndAHandledOneGetsANewRun(_ driver: InboxDriver) async throws {
        try await using(driver) { inbox in
        let ids = try await inbox.store([Self.event("a"), Self.event("b"), Self.event("c", provider: "peex")]).map(\.id)
        for event in try await inbox.claim(limit: 10, now: 2_000, owner: "test", leaseUntil: 1_000_000) {
            let result: AttemptResult = event.id == ids[0] ? .handled : .failed(error: "bug", retryAt: nil)
            try await inbox.finish(event.id, attempt: 1, owner: "test", result: result, runID: nil, now: 2_000)
        }
        let handledKey = try await inbox.event(ids[0])!.runKey
        let deadKey = try await inbox.event(ids[1])!.runKey
        #expect(try await inbox.replay(EventFilter(states: [.dead], ids: nil), now: 5_000, afresh: false) == [ids[1], ids[2]])
        #expect(try await inbox.replay(EventFilter(provider: "particeep", ids: [ids[0]]), now: 5_000, afresh: false) == [ids[0]])
        let replayed = try await inbox.claim(limit: 10, now: 5_000, owner: "test", leaseUntil: 1_000_000)
        #expect(replayed.count == 3 && replayed.allSatisfy { $0.attempts == 1 }, "the schedule starts again")
        #expect(replayed.first { $0.id == ids[1] }?.runKey == deadKey, "a failed event resumes its run")
        #expect(replayed.first { $0.id == ids[0] }?.runKey != handledKey, "a handled event runs afresh")
        #expect(try await inbox.replay(EventFilter(ids: [ids[0]]), now: 6_000, afresh: false).isEmpty, "a running event is not replayed")
        }
    }

    @Test(arguments: InboxDriver.all) func replayingAfreshGivesAFailedEventANewRun(_ driver: InboxDriver) async throws {
        try await using(driver) { inbox in
            let id = try await inbox.store([Self.event("a")])[0].id
            _ = try await inbox.claim(limit: 1, now: 2_000, owner: "test", leaseUntil: 1_000_000)
            try await inbox.finish(id, attempt: 1, owner: "test", result: .failed(error: "404 from the provider", retryAt: nil), runID: "r_1", now: 2_000)
            let failedKey = try await inbox.event(id)!.runKey
            #expect(try await inbox.replay(EventFilter(ids: [id]), now: 3_000, afresh: true) == [id])
            #expect(try await inbox.event(id)!.runKey != failedKey)
        }
    }

    @Test(arguments: InboxDriver.all) func listsFilterByProviderTypeStateAndTime(_ driver: InboxDriver) async throws {
        try await using(driver) { inbox in
        _ = try await inbox.store([Self.event("a", at: 100), Self.event("b", provider: "peex", at: 200), Self.event("c", at: 300)])
        #expect(try await inbox.events(EventFilter()).map(\.received.key) == ["c", "b", "a"])
        #expect(try await inbox.events(EventFilter(provider: "particeep")).map(\.received.key) == ["c", "a"])
        #expect(try await inbox.events(EventFilter(since: 200)).map(\.received.key) == ["c", "b"])
        #expect(try await inbox.events(EventFilter(states: [.dead])).isEmpty)
        #expect(try await inbox.events(EventFilter(type: "transaction_created", limit: 1)).map(\.received.key) == ["c"])
        }
    }

    @Test func aStoreOfTheRunsAloneIsMigratedWithItsRunsKept() async throws {
        let path = RunStoreTests.temporaryPath()
        let runs = try await SQLiteRunStore.open(at: path)
        try await runs.insert(RunStoreTests.run("r_old"))
        await runs.close()
        try RunStoreTests().sqlite(path, "DROP TABLE events; DROP TABLE event_attempts; PRAGMA user_version = 1")
        let inbox = try await SQLiteInboxStore.open(at: path)
        #expect(try await inbox.store([Self.event("a")]) == [.stored(id: 1)])
        await inbox.close()
        let reopened = try await SQLiteRunStore.open(at: path)
        #expect(try await reopened.run("r_old")?.script == "payout.lua")
        await reopened.close()
    }
}
