// One suite for every state store driver (as Fluent's drivers share theirs): runs, the hash-chained
// journal, verification that names the first broken link, pruning that keeps the chain whole.
// SQLite also shows what only a file can: two stores on one file, a newer schema refused, a
// damaged record found.
import Foundation
import PayrunFormats
import PayrunJournal
import PayrunPostgres
import PayrunSQLite
import PayrunTestSupport
import Testing

/// A store to test, made fresh.
struct StoreDriver: CustomTestStringConvertible, Sendable {
    let name: String
    let make: @Sendable () async throws -> any RunStore

    var testDescription: String { name }

    static let all = [
        StoreDriver(name: "memory") { MemoryRunStore() },
        StoreDriver(name: "SQLite") { try await SQLiteRunStore.open(at: RunStoreTests.temporaryPath()) },
        StoreDriver(name: "PostgreSQL") { try await PostgresRunStore.open(try await freshDatabase()) },
    ]
}

/// A new database on the tests' own PostgreSQL server (started at first use), as a URL. Made off
/// the pool: starting the server and `createdb` block for a while, and the other tests' stores
/// count their connect limit meanwhile.
func freshDatabase() async throws -> String {
    try await PostgresServer.sharedOffThePool().freshDatabase(prefix: "payrun_test_")
}

@Suite struct RunStoreTests {
    static func temporaryPath() -> String {
        TestFiles.path("payrun-store") + "/state.db"
    }

    static func run(_ id: String, key: String = "k", startedAt: Int = 1_000, endedAt: Int? = nil) -> RunRecord {
        RunRecord(
            id: id, key: key, script: "payout.lua", scriptDigest: String(repeating: "a", count: 64), arguments: ["payouts.csv"],
            environment: "sandbox", user: "ops", host: "box", processID: 42, startedAt: startedAt, endedAt: endedAt,
            status: endedAt == nil ? .running : .finished)
    }

    @Test(arguments: StoreDriver.all) func runsAreKeptListedAndFoundByKey(_ driver: StoreDriver) async throws {
        let store = try await driver.make()
        try await store.insert(Self.run("r_1", key: "payouts", startedAt: 100, endedAt: 150))
        try await store.insert(Self.run("r_2", key: "other", startedAt: 200))
        var third = Self.run("r_3", key: "payouts", startedAt: 300)
        try await store.insert(third)
        // One running run per key: a second, from a process racing this one, is refused.
        await #expect(throws: StoreError.self) { try await store.insert(Self.run("r_4", key: "payouts", startedAt: 310)) }
        // Resuming takes the run only if it is still as it was read.
        var resumed = third
        resumed.attempts = 2
        resumed.processID = 43
        #expect(try await store.claim(resumed, from: third))
        #expect(try await !store.claim(resumed, from: third), "a second process resuming from the same reading loses")
        third = resumed
        #expect(try await store.runs(limit: 10).map(\.id) == ["r_3", "r_2", "r_1"])
        #expect(try await store.run("r_4") == nil)
        #expect(try await store.runs(limit: 1).map(\.id) == ["r_3"])
        #expect(try await store.latestRun(key: "payouts")?.id == "r_3")
        #expect(try await store.latestRun(key: "none") == nil)
        third.status = .inDoubt
        third.attempts = 2
        third.mutations = 41
        third.endedAt = 400
        try await store.update(third)
        #expect(try await store.run("r_3") == third)
        #expect(try await store.run("r_9") == nil)
        await store.close()
    }

    @Test(arguments: StoreDriver.all) func aRunKilledBeforeItEndedIsListedWithTheMutationsItJournaled(_ driver: StoreDriver) async throws {
        // A run's count is written when an attempt ends; one killed never wrote it.
        let store = try await driver.make()
        try await store.insert(Self.run("r_1", key: "payouts"))
        try await store.insert(Self.run("r_2", key: "other"))
        for entry in ["m_1", "m_2", "m_3"] {
            _ = try await store.append(JournalRecord(runID: "r_1", kind: .intent, entry: entry, at: 11), durable: true)
            _ = try await store.append(JournalRecord(runID: "r_1", kind: .outcome, entry: entry, at: 12), durable: false)
        }
        let listed = try await store.runs(limit: 10)
        #expect(listed.map(\.id) == ["r_2", "r_1"] || listed.map(\.id) == ["r_1", "r_2"])
        #expect(listed.first { $0.id == "r_1" }?.mutations == 3)
        #expect(listed.first { $0.id == "r_2" }?.mutations == 0)
        // A count written by an ended attempt stands when the journal has fewer (records pruned).
        var ended = try #require(try await store.run("r_2"))
        ended.mutations = 7
        ended.endedAt = 500
        ended.status = .finished
        try await store.update(ended)
        #expect(try await store.runs(limit: 10).first { $0.id == "r_2" }?.mutations == 7)
        await store.close()
    }

    @Test(arguments: StoreDriver.all) func aScriptsUnfinishedRunsAreFoundHoweverManyOthersCameAfter(_ driver: StoreDriver) async throws {
        let store = try await driver.make()
        try await store.insert(Self.run("r_old", key: "payouts a", startedAt: 100, endedAt: 150))  // failed below
        var failed = try #require(try await store.run("r_old"))
        failed.status = .failed
        try await store.update(failed)
        try await store.insert(Self.run("r_done", key: "payouts b", startedAt: 200, endedAt: 250))
        for index in 0..<120 {
            var other = Self.run("r_e\(index)", key: "webhook \(index)", startedAt: 300 + index, endedAt: 301 + index)
            other.script = "handlers.lua"
            try await store.insert(other)
        }
        let found = try await store.unfinishedRuns(script: "payout.lua", environment: "sandbox")
        #expect(found.map(\.id) == ["r_old"])
        #expect(try await store.unfinishedRuns(script: "payout.lua", environment: "live").isEmpty)
        await store.close()
    }

    @Test(arguments: StoreDriver.all) func recordsAreChainedAndVerified(_ driver: StoreDriver) async throws {
        let store = try await driver.make()
        try await store.insert(Self.run("r_1"))
        let body: JSONValue = .object(["provider": .string("particeep"), "amount": .integer(1500), "note": .string("é \u{1F4B6}")])
        let first = try await store.append(JournalRecord(runID: "r_1", kind: .runStarted, at: 10), durable: false)
        let second = try await store.append(JournalRecord(runID: "r_1", kind: .intent, entry: "m_1", body: body, at: 11), durable: true)
        #expect(first.sequence == 1 && second.sequence == 2)
        #expect(first.previousDigest == ChainDigest.origin)
        #expect(second.previousDigest == first.digest)
        #expect(second.digest == ChainDigest.digest(of: second, after: first.digest))
        let read = try await store.records(of: "r_1")
        #expect(read == [first, second])
        #expect(try await store.verify() == .intact(records: 2))
        #expect(try await store.records(of: "r_2").isEmpty)
        await store.close()
    }

    @Test(arguments: StoreDriver.all) func pruningRemovesOldRunsAndKeepsTheChainVerifiable(_ driver: StoreDriver) async throws {
        let store = try await driver.make()
        try await store.insert(Self.run("r_old", startedAt: 100, endedAt: 200))
        try await store.insert(Self.run("r_mid", startedAt: 300, endedAt: 400))
        try await store.insert(Self.run("r_new", startedAt: 500))
        for (run, at) in [("r_old", 100), ("r_old", 150), ("r_mid", 300), ("r_new", 500), ("r_mid", 390)] {
            try await store.append(JournalRecord(runID: run, kind: .runStarted, at: at), durable: false)
        }
        // r_mid ended before the cutoff, but its records straddle one of r_new's: only the
        // prefix that is r_old's whole goes; r_mid stays, whole, until it can go whole.
        #expect(try await store.prune(endedBefore: 450) == 1)
        #expect(try await store.run("r_old") == nil)
        #expect(try await store.run("r_mid") != nil)
        #expect(try await store.records(of: "r_old").isEmpty)
        #expect(try await store.records(of: "r_mid").map(\.at) == [300, 390])
        #expect(try await store.verify() == .intact(records: 3))
        try await store.append(JournalRecord(runID: "r_new", kind: .runEnded, at: 600), durable: false)
        #expect(try await store.verify() == .intact(records: 4))
        // Once r_new has ended too, everything can go, and the empty chain still verifies.
        var ended = Self.run("r_new", startedAt: 500, endedAt: 600)
        ended.status = .finished
        try await store.update(ended)
        #expect(try await store.prune(endedBefore: 700) == 2)
        #expect(try await store.verify() == .intact(records: 0))
        try await store.append(JournalRecord(runID: "r_next", kind: .runStarted, at: 800), durable: false)
        #expect(try await store.verify() == .intact(records: 1))
        await store.close()
    }

    /// A run a later run of its key would resume keeps its journal however old it is: pruned,
    /// the next run of the key started afresh and paid again what it had paid.
    @Test(arguments: StoreDriver.all) func pruningKeepsEveryRunThatWouldResume(_ driver: StoreDriver) async throws {
        let store = try await driver.make()
        func run(_ id: String, _ key: String, _ status: RunStatus, startedAt: Int, endedAt: Int?) -> RunRecord {
            var run = Self.run(id, key: key, startedAt: startedAt, endedAt: endedAt)
            run.status = status
            return run
        }
        // d: failed having journaled nothing but its start: resumed, it would start afresh. b:
        // failed, then a --new-run finished: neither resumes. a: in doubt (a payment journaled),
        // would resume. c: a killed run (no end), then a finished one: pruning the finished one
        // alone would leave the killed one the key's latest, to be resumed.
        let runs = [
            run("r_d1", "d", .failed, startedAt: 90, endedAt: 95),
            run("r_b1", "b", .failed, startedAt: 100, endedAt: 110), run("r_b2", "b", .finished, startedAt: 120, endedAt: 130),
            run("r_a1", "a", .inDoubt, startedAt: 140, endedAt: 150),
            run("r_c1", "c", .running, startedAt: 160, endedAt: nil), run("r_c2", "c", .finished, startedAt: 170, endedAt: 180),
        ]
        for record in runs {
            try await store.insert(record)
            try await store.append(JournalRecord(runID: record.id, kind: .runStarted, at: record.startedAt), durable: false)
        }
        try await store.append(JournalRecord(runID: "r_a1", kind: .intent, entry: "m1", at: 145), durable: false)
        #expect(try await store.prune(endedBefore: 1_000) == 3)
        #expect(try await store.run("r_d1") == nil, "a failed run with nothing to carry over goes")
        #expect(try await store.run("r_b1") == nil)
        #expect(try await store.run("r_b2") == nil)
        #expect(try await store.latestRun(key: "a")?.id == "r_a1")
        #expect(try await store.latestRun(key: "c")?.id == "r_c2")
        #expect(try await store.records(of: "r_a1").count == 2)
        #expect(try await store.verify() == .intact(records: 4))
        await store.close()
    }

    /// A failed run and the --new-run after it in the same second: the next run of the key
    /// must find the new one (PostgreSQL broke the tie by the random id, and could resume the
    /// failed run, paying again what the new one paid).
    @Test(arguments: StoreDriver.all) func theLatestOfTwoRunsStartedInTheSameSecondIsTheOneStartedSecond(_ driver: StoreDriver) async throws {
        let store = try await driver.make()
        for index in 0..<3 {
            // Ids are random: here the new run's sorts first.
            var failed = Self.run("r_\(index)z", key: "k\(index)", startedAt: 500, endedAt: 500)
            failed.status = .failed
            for run in [failed, Self.run("r_\(index)a", key: "k\(index)", startedAt: 500)] {
                try await store.insert(run)
                try await store.append(JournalRecord(runID: run.id, kind: .runStarted, at: 500), durable: false)
            }
            #expect(try await store.latestRun(key: "k\(index)")?.id == "r_\(index)a")
        }
        await store.close()
    }

    @Test func thePruningRuleSeesEachKeyWhole() {
        func run(_ id: String, _ key: String, _ status: RunStatus, _ endedAt: Int?, _ order: Int) -> RunPruning.Run {
            RunPruning.Run(id: id, key: key, status: status, endedAt: endedAt, order: order)
        }
        let runs = [
            run("interrupted", "a", .interrupted, 10, 1), run("failed-then-new", "b", .failed, 10, 2), run("new", "b", .finished, 20, 3),
            run("finished", "c", .finished, 10, 4), run("finished-late", "d", .finished, 900, 5), run("left", "e", .timeLimit, 10, 6),
            run("still-going", "e", .running, nil, 7),
        ]
        // Each unfinished run journaled a payment or a step, which its key's next run carries on from.
        let journaled = Set(runs.map(\.id))
        #expect(RunPruning.prunable(runs, endedBefore: 500, carryingOver: journaled) == ["failed-then-new", "new", "finished", "left"])
        // A key kept (a webhook event not handled yet) keeps all its runs, finished or not.
        #expect(RunPruning.prunable(runs, endedBefore: 500, keeping: ["c", "b"], carryingOver: journaled) == ["left"])
        // An unfinished latest run that journaled nothing but its start and end would be resumed
        // as a fresh start: it goes, unless its key is kept.
        #expect(RunPruning.prunable(runs, endedBefore: 500, carryingOver: []) == ["interrupted", "failed-then-new", "new", "finished", "left"])
        #expect(RunPruning.prunable(runs, endedBefore: 500, keeping: ["a"], carryingOver: []) == ["failed-then-new", "new", "finished", "left"])
    }

    @Test func aChangedRecordIsNamedByVerify() async throws {
        let path = Self.temporaryPath()
        let store = try await SQLiteRunStore.open(at: path)
        try await store.insert(Self.run("r_1"))
        for entry in ["m_1", "m_2", "m_3"] {
            try await store.append(
                JournalRecord(runID: "r_1", kind: .outcome, entry: entry, body: .object(["status": .integer(201)])), durable: false)
        }
        await store.close()
        // Someone edits the second record's answer in the file, as an attacker with sqlite3 would.
        try sqlite(path, "UPDATE records SET body = '{\"status\":500}' WHERE seq = 2")
        let reopened = try await SQLiteRunStore.open(at: path)
        #expect(try await reopened.verify() == .broken(sequence: 2, runID: "r_1", problem: "its contents were changed after it was written"))
        await reopened.close()
        try sqlite(path, "DELETE FROM records WHERE seq = 2")
        let again = try await SQLiteRunStore.open(at: path)
        #expect(try await again.verify() == .broken(
            sequence: 3, runID: "r_1", problem: "it does not follow the record before it (a record was removed, added or reordered)"))
        await again.close()
    }

    @Test func anIntentForARunTheDatabaseLostIsRefused() async throws {
        // A run begun just before PostgreSQL crashed may be gone after the restart (its start is
        // committed without a flush); an intent written for it then would guard a request in a
        // journal that no run of its job reads, and a later attempt would send it afresh.
        let store = try await PostgresRunStore.open(try await freshDatabase())
        let intent = JournalRecord(runID: "r_lost", kind: .intent, entry: "m_1", body: .object([:]), at: 11)
        await #expect {
            try await store.append(intent, durable: true)
        } throws: { error in
            "\(error)".contains("run r_lost is not in the database any more") && "\(error)".contains("nothing was sent")
        }
        #expect(try await store.records(of: "r_lost").isEmpty)
        try await store.insert(Self.run("r_lost"))
        #expect(try await store.append(intent, durable: true).sequence == 1, "once the run is there, its intent is written")
        await store.close()
    }

    @Test func aJobsKeyIsHeldByOneProcessAtATimeAndFreedWhenItsConnectionCloses() async throws {
        let url = try await freshDatabase()
        // Two stores are two processes' pools: each holds its keys on a connection of its own.
        let first = try await PostgresRunStore.open(url)
        let second = try await PostgresRunStore.open(url)
        let held = try await first.holdKey("nightly payouts")
        #expect(held?.spansMachines == true && held?.isHeld == true)
        #expect(try await second.holdKey("nightly payouts") == nil, "a key held by one process is refused to another")
        #expect(try await first.holdKey("nightly payouts") == nil, "and to a second run in the same process")
        let other = try await second.holdKey("another job")
        #expect(other != nil, "other keys are free")
        await held?.release()
        let taken = try await second.holdKey("nightly payouts")
        #expect(taken != nil, "a released key can be taken")
        // A process that dies without releasing: its connections close, and its keys are free.
        await second.close()
        #expect(taken?.isHeld == false, "a hold whose connection closed says so, so its run sends nothing more")
        // The server ends the closed session's locks once it notices the connection is gone.
        var freed = try await first.holdKey("nightly payouts")
        for _ in 0..<100 where freed == nil {
            try await Task.sleep(for: .milliseconds(50))
            freed = try await first.holdKey("nightly payouts")
        }
        #expect(freed != nil, "freed within 5 s")
        #expect(try await first.holdKey("another job") != nil)
        await first.close()
    }

    @Test func aNewSQLiteStoreIsReadableByItsOwnerOnly() async throws {
        // It holds payment bodies: recipients and amounts.
        let path = Self.temporaryPath()
        // Under the usual umask, which would leave it readable by everyone (022 for the moment
        // this store is made; files other tests make meanwhile get it too, which they do not mind).
        let umaskBefore = umask(0o022)
        let store = try await SQLiteRunStore.open(at: path)
        umask(umaskBefore)
        try await store.insert(Self.run("r_1"))
        _ = try await store.append(JournalRecord(runID: "r_1", kind: .intent, entry: "m_1", body: .object(["to": .string("usr_2")]), at: 1), durable: true)
        for file in [path, path + "-wal"] where FileManager.default.fileExists(atPath: file) {
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file): \(String(mode ?? 0, radix: 8))")
        }
        await store.close()
    }

    @Test func storesOnOneMachineLeaveTheKeyToTheProcessCheck() async throws {
        for store in [MemoryRunStore(), try await SQLiteRunStore.open(at: Self.temporaryPath())] as [any RunStore] {
            let hold = try await store.holdKey("job")
            #expect(hold?.spansMachines == false && hold?.isHeld == true)
            await store.close()
        }
    }

    @Test func twoStoresOnOneFileShareOneChain() async throws {
        let path = Self.temporaryPath()
        let first = try await SQLiteRunStore.open(at: path)
        let second = try await SQLiteRunStore.open(at: path)
        try await first.insert(Self.run("r_a", key: "job-a"))
        try await second.insert(Self.run("r_b", key: "job-b"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (store, run) in [(first, "r_a"), (second, "r_b")] {
                group.addTask {
                    for index in 0..<100 {
                        try await store.append(JournalRecord(runID: run, kind: .intent, entry: "m_\(index)"), durable: index % 10 == 0)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await first.verify() == .intact(records: 200))
        #expect(try await second.records(of: "r_a").count == 100)
        await first.close()
        await second.close()
    }

    @Test func aStoreWrittenByANewerPayrunIsRefusedAndLeftAsItIs() async throws {
        let path = Self.temporaryPath()
        await (try await SQLiteRunStore.open(at: path)).close()
        try sqlite(path, "PRAGMA user_version = 99")
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        await #expect {
            _ = try await SQLiteRunStore.open(at: path)
        } throws: { error in
            let message = (error as? StoreError)?.description ?? ""
            return message.contains("written by a newer payrun (schema 99; this payrun knows up to \(SQLiteRunStore.schemaVersion))") && message.contains("upgrade payrun")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func aFileThatIsNotAStoreIsRefusedWithWhatToDo() async throws {
        let path = Self.temporaryPath()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        await #expect {
            _ = try await SQLiteRunStore.open(at: path)
        } throws: { error in
            (error as? StoreError)?.description.contains("is not a payrun state store") == true
        }
        await #expect {
            _ = try await SQLiteRunStore.open(at: "/proc/payrun/state.db")
        } throws: { error in
            (error as? StoreError)?.description.contains("cannot be made") == true
        }
    }

    /// Runs `sqlite3 path statement`, as a person at a shell would.
    func sqlite(_ path: String, _ statement: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path, statement]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
    }
}
