// The journal of one run: begins or resumes the run in the store, gives each mutation its key,
// answers what an earlier attempt already settled, and records the rest before and after it is
// sent. The request path is in JournaledRequest.swift; steps in StepLibrary.swift.
import LuaKit
import PayrunFormats
import PayrunJournal
import PayrunLocks
import Glibc

/// One run's journal, shared by its Lua thread and the tasks that send its requests.
public final class RunJournal: Sendable {
    public let store: any RunStore
    /// Whether this attempt resumes an earlier, unfinished one.
    public let resumed: Bool
    /// What the earlier attempts did.
    let past: PastRun
    /// Takes every credential out of what is stored.
    let redactor: Redactor
    /// Whether the job resumes when its command runs again, as `payrun run` does; a webhook
    /// handler's run resumes when its event is replayed.
    let resumesWhenRunAgain: Bool
    private let record: Locked<RunRecord>
    /// The SHA-256 of this attempt's script.
    let scriptDigest: String
    /// Send a mutation that matches nothing journaled even when the script changed since an
    /// earlier attempt sent one to the same place that this attempt has not made again
    /// (``RunStart/sendsChangedRequests``).
    let sendsChangedRequests: Bool
    /// The earlier attempts' mutations this attempt has made again.
    private let met = Locked<Set<String>>([])
    /// The job's key, held while this attempt runs.
    private let hold: RunKeyHold
    private let halt = Locked<RunHalt?>(nil)
    /// Records waiting to be written with the next intent.
    private struct Waiting {
        var records: [JournalRecord] = []
        var flushScheduled = false
    }

    private let waiting = Locked(Waiting())
    private let sentInAttempt = Locked(0)
    /// Mutations this attempt sent (or met in doubt) without a known outcome yet: a run that
    /// ends with any (its script caught the error and went on) is not finished, so that the
    /// next one settles them. One an earlier attempt left and this one never met again was
    /// passed over by the script (its own check found the payment), and does not count.
    private let unsettled = Locked<Set<String>>([])

    /// What only the Lua thread's calls change, in the order the script makes them.
    private struct Progress {
        /// How often each request has been made in this attempt, by its identity.
        var occurrences: [String: Int] = [:]
        /// The steps each coroutine is inside, innermost last.
        var steps: [LuaStack.ThreadID: [String]] = [:]
        /// Where each step name was first used in this attempt, for the "used twice" error.
        var stepLines: [String: String] = [:]
        /// Steps whose lookup found nothing: their mutations in doubt were not applied.
        var missedLookups: Set<String> = []
    }

    private let progress = Locked(Progress())

    private init(
        store: any RunStore, record: RunRecord, hold: RunKeyHold, resumed: Bool, past: PastRun, redactor: Redactor, start: RunStart
    ) {
        resumesWhenRunAgain = start.resumesWhenRunAgain
        scriptDigest = start.scriptDigest
        sendsChangedRequests = start.sendsChangedRequests
        self.store = store
        self.hold = hold
        self.record = Locked(record)
        self.resumed = resumed
        self.past = past
        self.redactor = redactor
    }

    /// The run as the store has it now.
    public var run: RunRecord { record.withLock { $0 } }

    /// Begins a run of `start`, or resumes the job's last run if it did not finish.
    /// - Returns: the journal, and a line for standard error when the run resumes (or could not).
    /// - Throws: ``RunRefused`` when the store fails or the job is running elsewhere.
    /// - Parameter waiting: told once, when this run waits for a run of its job in another process (`--wait`).
    static func begin(
        _ start: RunStart, in store: any RunStore, redactor: Redactor, waiting: (String) -> Void = { _ in }
    ) async throws(RunRefused) -> (RunJournal, notice: String?) {
        var start = start
        // A job begun by payrun 0.1, whose key had its file arguments as typed, goes on under it.
        if let earlier = start.earlierKey, (try? await store.latestRun(key: start.key)) == nil,
           let last = try? await store.latestRun(key: earlier), !last.status.isFinished {
            start.key = earlier
        }
        let clock = ContinuousClock()
        let began = clock.now
        var waitedFor: String?
        // A run of the job that ended after this one began to wait was the one it waited for.
        let waitBegan = UTCTime.now()
        // The process identities of the attempts running elsewhere, by run and attempt: read from
        // a journal once, not each time a wait asks again.
        var identities: [String: String] = [:]
        while true {
            do {
                var (journal, notice) = try await beginOnce(
                    start, in: store, redactor: redactor, waitedSince: waitedFor == nil ? nil : waitBegan, identities: &identities)
                if let waitedFor {
                    let which = waitedFor.hasPrefix("r_") ? "run \(waitedFor) of this job" : "a run of this job"
                    let waited = "waited \((clock.now - began).components.seconds) s for \(which) to end"
                    notice = notice.map { waited + "; " + $0 } ?? waited
                }
                return (journal, notice)
            } catch let refused where refused.runningElsewhere != nil {
                guard let limit = start.waitsForRunningRun, clock.now - began < limit else { throw refused }
                if waitedFor == nil { waiting("\(refused.message); waiting up to \(limit.components.seconds) s for it to end") }
                waitedFor = refused.runningElsewhere
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    private static func beginOnce(
        _ start: RunStart, in store: any RunStore, redactor: Redactor, waitedSince: Int?, identities: inout [String: String]
    ) async throws(RunRefused) -> (RunJournal, notice: String?) {
        let held: RunKeyHold?
        do {
            held = try await store.holdKey(start.key)
        } catch {
            throw RunRefused(message: error.description, remedy: nil, storeFailed: true)
        }
        guard let hold = held else {
            // The holder may not have recorded its run yet: only an unfinished one is named.
            let last = (try? await store.latestRun(key: start.key)).flatMap { $0.status.isFinished ? nil : $0 }
            throw RunRefused.running(last)
        }
        do {
            let now = UTCTime.now()
            let processID = Int(getpid())
            var notice: String?
            let last = try await store.latestRun(key: start.key)
            if start.skipsAFinishedJob, let last, last.status.isFinished {
                var refused = RunRefused(message: "run \(last.id) of this job finished already: nothing was run again", remedy: nil, finishedEarlier: last.id)
                // What it did with its event, as its last record says (nil for a run before this was kept).
                refused.handlersRunEarlier = try? await store.records(of: last.id)
                    .last { $0.kind == .runEnded }?.body["handlers_run"]?.integer
                throw refused
            }
            if let last, let waitedSince, last.status.isFinished, (last.endedAt ?? 0) >= waitedSince - 1 {
                throw RunRefused(
                    message: "run \(last.id) of this job ended (\(last.status.rawValue)) while this one waited: nothing was sent again",
                    remedy: "--new-run runs the job again")
            }
            // The same files run again (the nightly batch run twice by mistake, or a daily job
            // whose input is a file that does not change): said before anything is sent, since a
            // finished job's key starts a new one. Simulators inside this process start empty.
            if let last, last.status.isFinished, start.guardsChangedInputs, !start.startsAfresh, start.providersOutliveProcess {
                let sent = try await paymentsSent(by: last.id, in: store)
                if sent > 0 {
                    notice = "run \(last.id) of this job finished \(Self.minutes(last.endedAt ?? last.startedAt)) on these same input files, "
                        + "after sending \(sent) payment(s): this is a new run, and it sends its payments afresh"
                }
            }
            if let last, !last.status.isFinished {
                // A store shared by machines holds the key for the process running the job: having
                // it, this process knows the last run's process is gone. Otherwise the pid tells.
                if !hold.spansMachines, last.status == .running, last.processID != processID,
                   // Its pid alive, and still the process that began the latest attempt.
                   try await last.processIsAlive(on: start.host, identity: {
                       let attempt = "\(last.id) \(last.attempts)"
                       if let known = identities[attempt] { return known }
                       // None yet (a resumed attempt not yet recorded) is asked again.
                       let identity = ProcessIdentity.latest(in: try await store.records(of: last.id), of: last)
                       identities[attempt] = identity
                       return identity
                   })
                {
                    throw RunRefused.running(last)
                }
                if last.environment != start.environment.rawValue {
                    throw RunRefused(
                        message: "the unfinished run \(last.id) of key \(start.key) ran in \(last.environment), not \(start.environment)",
                        remedy: "run it in \(last.environment) to resume it, or choose another --run-key")
                }
                // Simulators inside a process live as long as it: a run of this process may resume,
                // and so may one that paid a provider they do not serve (a fake of the user's own).
                let records = if start.startsAfresh { [JournalRecord]?.none } else { try await store.records(of: last.id) }
                if let records, start.providersOutliveProcess || last.processID == processID || records.contains(where: { record in
                    record.kind == .intent && !start.providersInsideProcess.contains(record.body["provider"]?.string ?? "")
                }) {
                    let past = PastRun(records)
                    var run = last
                    // An attempt killed before it ended never wrote its count: the journal has it.
                    run.mutations = max(run.mutations, records.count { $0.kind == .intent })
                    run.attempts += 1
                    run.status = .running
                    run.processID = processID
                    run.endedAt = nil
                    // Taken only if no other process took it first (the attempts it read are still the store's).
                    guard try await store.claim(run, from: last) else {
                        throw RunRefused(message: "run \(last.id) of this job was resumed by another process just now", remedy: "wait for it to end")
                    }
                    let journal = RunJournal(
                        store: store, record: run, hold: hold, resumed: true, past: past, redactor: redactor, start: start)
                    journal.appendLater(.runStarted, body: journal.startBody(start, attempt: run.attempts))
                    // A run that journaled nothing has nothing to resume: no word of it (a failing
                    // handler's every retry said it).
                    let nothingDone = past.mutations.isEmpty && past.finishedSteps.isEmpty && past.unfinishedSteps.isEmpty
                    return (journal, nothingDone ? nil : "resuming run \(last.id) from \(Self.minutes(last.startedAt)), \(past.summary)")
                }
                // Left behind: it will not be resumed.
                try await leaveBehind(last, in: store, at: now)
                let sent = try await paymentsSent(by: last.id, in: store)
                if start.startsAfresh {
                    notice = newRunNotice(last, "of this job", sent: sent)
                } else if sent > 0 {
                    // A run that sent nothing leaves nothing to resume: starting afresh needs no word.
                    notice = "the last run \(last.id) of this job (\(Self.minutes(last.startedAt))) did not finish, but the simulators it "
                        + "paid through ran inside that payrun and their state died with it: starting afresh. To resume runs, "
                        + "run `payrun sandbox` on its own and set PAYRUN_SANDBOX_URL, or use --env test"
                }
            }
            if last == nil, start.guardsChangedInputs, start.providersOutliveProcess,
               let (earlier, sent) = try await unfinishedRun(onOtherInputsThan: start, in: store, redactor: redactor) {
                guard start.startsAfresh else {
                    throw RunRefused(
                        message: "run \(earlier.id) of \(earlier.script) with these arguments did not finish (\(earlier.describedStatus), "
                            + "\(sent) payment(s) sent), and an input file has changed since: as a new job, this run would send "
                            + "every payment in it again, those included",
                        remedy: "to resume \(earlier.id) on the changed input (a payment it sent is not sent again, a changed one is "
                            + "sent), run with --run-key \(earlier.key); to start a new job anyway, --new-run")
                }
                // The new job is asked for: the old one is left behind, as `--new-run` leaves one of its
                // own key, and marked so in its journal, since it stays the last run of its key.
                try await store.append(JournalRecord(
                    runID: earlier.id, kind: .runEnded, body: .object(["status": .string("interrupted"), "abandoned": .bool(true)]), at: now),
                    durable: false)
                try await leaveBehind(earlier, in: store, at: now)
                notice = newRunNotice(earlier, "of this script on its input as it was", sent: sent)
            }
            let run = RunRecord(
                id: RunRecord.newID(), key: start.key, script: redactor.redact(start.script), scriptDigest: start.scriptDigest,
                arguments: start.arguments.map(redactor.redact),
                environment: start.environment.rawValue, user: start.user, host: start.host, processID: processID, startedAt: now)
            try await store.insert(run)
            let journal = RunJournal(
                store: store, record: run, hold: hold, resumed: false, past: PastRun(), redactor: redactor, start: start)
            journal.appendLater(.runStarted, body: journal.startBody(start, attempt: 1))
            return (journal, notice)
        } catch let error as StoreError {
            await hold.release()
            throw RunRefused(message: error.description, remedy: nil, storeFailed: true)
        } catch let error as RunRefused {
            await hold.release()
            throw error
        } catch {
            await hold.release()
            throw RunRefused(message: "\(error)", remedy: nil, storeFailed: true)
        }
    }

    /// The newest unfinished run of `start`'s script with the same arguments in the same
    /// environment, under another default key (its input files had other contents), with the
    /// payments it sent; nil when there is none that sent any. Fixing a bad row and running
    /// again is the usual way to go on after a failed batch, and a new job would pay the rows
    /// before it twice.
    private static func unfinishedRun(
        onOtherInputsThan start: RunStart, in store: any RunStore, redactor: Redactor
    ) async throws -> (RunRecord, sent: Int)? {
        let script = redactor.redact(start.script)
        let arguments = start.arguments.map(redactor.redact)
        for run in try await store.unfinishedRuns(script: script, environment: start.environment.rawValue)
        where run.key != start.key && run.arguments == arguments {
            // Only the last run of its key would be resumed by it, and not one a --new-run left.
            guard try await store.latestRun(key: run.key)?.id == run.id else { continue }
            let records = try await store.records(of: run.id)
            if records.last(where: { $0.kind == .runEnded })?.body["abandoned"] == .bool(true) { continue }
            let sent = paymentsSent(in: records)
            if sent > 0 { return (run, sent) }
        }
        return nil
    }

    /// Marks unfinished `run` interrupted: no later run resumes it.
    private static func leaveBehind(_ run: RunRecord, in store: any RunStore, at now: Int) async throws {
        var abandoned = run
        abandoned.status = .interrupted
        abandoned.endedAt = abandoned.endedAt ?? now
        try await store.update(abandoned)
    }

    /// What `--new-run` says of the unfinished run it leaves behind (`which`: "of this job").
    private static func newRunNotice(_ run: RunRecord, _ which: String, sent: Int) -> String {
        "--new-run: the unfinished run \(run.id) \(which) (\(run.describedStatus), \(sent) payment(s) sent) is left "
            + "interrupted and will not be resumed; this run sends its payments afresh"
    }

    /// The payments run `id` sent: its intents, less those journaled as never sent.
    private static func paymentsSent(by id: String, in store: any RunStore) async throws -> Int {
        paymentsSent(in: try await store.records(of: id))
    }

    private static func paymentsSent(in records: [JournalRecord]) -> Int {
        records.count { $0.kind == .intent } - records.count { $0.kind == .outcome && $0.body["not_sent"] != nil }
    }

    private func startBody(_ start: RunStart, attempt: Int) -> JSONValue {
        .object([
            "attempt": .integer(attempt), "script": .string(start.script), "script_sha256": .string(start.scriptDigest),
            "arguments": .array(start.arguments.map(JSONValue.string)), "environment": .string(start.environment.rawValue),
            "user": .string(start.user), "host": .string(start.host), "pid": .integer(Int(getpid())),
            "inputs": .object(start.inputs.mapValues(JSONValue.string)),
        ].merging(ProcessIdentity.current.map { ["process": .string($0)] } ?? [:]) { $1 })
    }

    /// `2026-11-30 21:04 UTC`.
    static func minutes(_ seconds: Int) -> String {
        let text = UTCTime.text(seconds)
        return text.prefix(10) + " " + text.dropFirst(11).prefix(5) + " UTC"
    }

    /// How many of this attempt's mutations are in doubt now: sent, and no answer kept.
    var inDoubtCount: Int { unsettled.withLock { $0.count } }

    /// Ends this attempt: the run's status, its end, its count of mutations, and for a run
    /// handed an event, how many handlers it ran (``RunRefused/handlersRunEarlier``).
    func finish(_ status: PayrunExitStatus, handlersRun: Int? = nil) async {
        // A script that went on past a payment in doubt (its error caught) has not finished the job.
        let inDoubt = !unsettled.withLock { $0.isEmpty }
        // It exits 4 then (``EngineRun``), as the record says.
        let exit = status == .success && inDoubt ? PayrunExitStatus.inDoubt : status
        let runStatus: RunStatus = switch halted?.status ?? exit {
        case .success: .finished
        case .scriptFailed, .usage: .failed
        case .timeLimit: .timeLimit
        case .inDoubt: .inDoubt
        case .interrupted: .interrupted
        }
        let run = record.withLock { run in
            run.status = runStatus
            run.endedAt = UTCTime.now()
            return run
        }
        guard hold.isHeld else {
            // The key was lost (the database restarted): another process may be running the job
            // now, and the run's status and its attempt's end are that process's to write. What
            // this attempt heard back from the provider is still kept, for whoever resumes.
            await flush()
            await hold.release()
            return
        }
        var ended: [String: JSONValue] = ["status": .string(runStatus.rawValue), "exit": .integer(Int(exit.rawValue))]
        if let handlersRun { ended["handlers_run"] = .integer(handlersRun) }
        _ = try? await append(.runEnded, body: .object(ended))
        try? await store.update(run)
        await hold.release()
    }

    /// Appends a record of this run, its strings redacted, with the records waiting to be
    /// written before it, in one commit; returns once it is written (on disk, if `durable`).
    @discardableResult
    func append(_ kind: JournalRecord.Kind, entry: String = "", body: JSONValue, durable: Bool = false) async throws(StoreError) -> JournalRecord {
        // A request is sent only while no other process can run the job (its key still held).
        if durable { try checkKeyHeld() }
        let record = JournalRecord(runID: run.id, kind: kind, entry: entry, body: redactor.redact(body))
        let queued = waiting.withLock { waiting in
            defer { waiting.records = [] }
            return waiting.records
        }
        let written: JournalRecord
        do {
            written = try await store.append(queued + [record], durable: durable).last!
        } catch {
            // Not lost: they go with the next write that succeeds.
            waiting.withLock { $0.records = queued + $0.records }
            throw error
        }
        // Looked at again once written: a write that waited for the database across a restart
        // is on disk, but the key went with the old connection, and another process may run the
        // job now. The request is not sent; its intent leaves it in doubt for the next attempt.
        if durable { try checkKeyHeld() }
        return written
    }

    /// The answers this attempt heard back and has not written yet (they wait for the next
    /// intent's write): what a journal that fails now leaves in doubt, though they were applied.
    /// Each as `m_… (200, id=txn_…)`, with the id `runs resolve --applied` takes, if the answer
    /// named one.
    func answersNotWritten() -> [(key: String, shown: String, id: String?)] {
        waiting.withLock { $0.records }.compactMap { record in
            guard record.kind == .outcome, let status = record.body["status"]?.integer else { return nil }
            let id = JournaledRequest.id(inOutcome: record.body)
            return (record.entry, "\(record.entry) (\(status)" + (id.map { ", id=" + $0 } ?? "") + ")", id)
        }
    }

    /// Throws unless this process still holds the job's key.
    private func checkKeyHeld() throws(StoreError) {
        guard !hold.isHeld else { return }
            throw StoreError(
                location: store.location, message: "the connection that held this job's key was lost (the database restarted or went away)",
                remedy: "the run stopped before sending anything more; run it again to resume it")
    }

    /// Queues a record to be written with the next intent (one commit, one fsync for both), or
    /// within ``flushDelay`` if no intent comes: an answer's record stays off the request path.
    /// Lost in a crash, it leaves its mutation in doubt, which a resumed run settles.
    func appendLater(_ kind: JournalRecord.Kind, entry: String = "", body: JSONValue) {
        let record = JournalRecord(runID: run.id, kind: kind, entry: entry, body: redactor.redact(body))
        let schedules = waiting.withLock { waiting in
            waiting.records.append(record)
            defer { waiting.flushScheduled = true }
            return !waiting.flushScheduled
        }
        guard schedules else { return }
        Task {
            try? await Task.sleep(for: Self.flushDelay)
            await flush()
        }
    }

    /// How long a queued record waits for an intent to go with.
    static let flushDelay = Duration.milliseconds(20)

    /// Writes the queued records now.
    func flush() async {
        let batch = waiting.withLock { waiting in
            defer {
                waiting.records = []
                waiting.flushScheduled = false
            }
            return waiting.records
        }
        guard !batch.isEmpty else { return }
        do {
            _ = try await store.append(batch, durable: false)
        } catch {
            // Kept for the next intent's write, which fails (and halts the run) if the store still does.
            waiting.withLock { $0.records = batch + $0.records }
        }
    }

    /// Notes that mutation `key` was sent and its outcome is not known yet (true), or now is (false).
    func markUnsettled(_ key: String, _ unsettled: Bool) {
        self.unsettled.withLock { keys in
            if unsettled { keys.insert(key) } else { keys.remove(key) }
        }
    }

    /// A step an earlier attempt left unfinished was found by its lookup: the mutations it had
    /// sent in doubt are settled by that, and the journal says so.
    func settleByLookup(step name: String) {
        meetStep(name)
        for key in past.inDoubt(inStep: name) {
            appendLater(.resolution, entry: key, body: .object([
                "decision": .string("applied"), "how": .string("the step '\(name)' found it with its lookup"), "by": .string("payrun"),
            ]))
        }
    }

    /// Counts a mutation journaled in this attempt, and returns how many this attempt has sent.
    func countMutation() -> Int {
        record.withLock { $0.mutations += 1 }
        return sentInAttempt.withLock { count in
            count += 1
            return count
        }
    }

    // MARK: Matching the past

    /// Notes that this attempt made the earlier attempts' mutation `key` again.
    func meet(_ key: String) {
        met.withLock { _ = $0.insert(key) }
    }

    /// Notes that this attempt will not make step `name`'s mutations again (nor those of the
    /// steps inside it): it found the step done, or its lookup found what it did.
    func meetStep(_ name: String) {
        let keys = past.mutations(inStep: name)
        met.withLock { $0.formUnion(keys) }
    }

    /// For a mutation that matches nothing journaled: the earlier attempts' mutations it may be,
    /// its request changed with the script (``PastRun/sentUnderAnotherScript(than:to:_:_:except:)``);
    /// empty when the script is the same, or changed requests are to be sent.
    func changedFrom(_ identity: MutationIdentity) -> [(key: String, intent: JournalRecord)] {
        // Not for a handler's run: a fixed handlers file is how an event goes on, and a replay
        // has no way to say "send them".
        guard resumed, resumesWhenRunAgain, !sendsChangedRequests else { return [] }
        let met = met.withLock { $0 }
        return past.sentUnderAnotherScript(than: scriptDigest, to: identity.provider, identity.method, identity.path, except: met)
    }

    // MARK: Halting

    /// Why the engine halted the run, once it has.
    var halted: RunHalt? { halt.withLock { $0 } }

    func halt(_ reason: RunHalt) {
        halt.withLock { if $0 == nil { $0 = reason } }
    }

    // MARK: Keys and steps (the Lua thread)

    /// The identity of a mutation: where the script is (its steps), what it sends, and how many
    /// times it has sent the same before in this attempt. The same script on the same input
    /// makes the same keys in the same order, which is what lets a resumed run find its past.
    func identify(_ parts: RequestParts, provider: String, on thread: LuaStack.ThreadID) -> MutationIdentity {
        let step = progress.withLock { $0.steps[thread]?.last }
        let bodyDigest = parts.body.map { ChainDigest.sha256($0.encoded()) } ?? ""
        let query = parts.query.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        let identity = [step ?? "", provider, parts.method, parts.path, query, bodyDigest].joined(separator: "\u{0}")
        let occurrence = progress.withLock { progress in
            progress.occurrences[identity, default: 0] += 1
            return progress.occurrences[identity]!
        }
        let key = "m_" + ChainDigest.sha256(Array((identity + "\u{0}" + String(occurrence)).utf8)).prefix(12)
        return MutationIdentity(
            key: key, provider: provider, method: parts.method, path: parts.path, query: query, bodyDigest: bodyDigest, step: step,
            occurrence: occurrence, stepLookupMissed: step.map { name in progress.withLock { $0.missedLookups.contains(name) } } ?? false)
    }

    /// Enters step `name` on `thread`; the error names both lines when the name was used before.
    func enterStep(_ name: String, at line: String, on thread: LuaStack.ThreadID) -> String? {
        progress.withLock { progress in
            if let first = progress.stepLines[name] { return first }
            progress.stepLines[name] = line
            progress.steps[thread, default: []].append(name)
            return nil
        }
    }

    func leaveStep(on thread: LuaStack.ThreadID) {
        progress.withLock { progress in
            progress.steps[thread]?.removeLast()
            if progress.steps[thread]?.isEmpty == true { progress.steps[thread] = nil }
        }
    }

    /// A coroutine `payrun.parallel` starts runs inside the steps of the one that started it.
    func inheritSteps(from parent: LuaStack.ThreadID, to child: LuaStack.ThreadID) {
        progress.withLock { progress in progress.steps[child] = progress.steps[parent] }
    }

    /// Forgets a coroutine that ended (or was abandoned), so that another one made at the same
    /// address later does not find itself inside its steps.
    func forgetSteps(of thread: LuaStack.ThreadID) {
        progress.withLock { _ = $0.steps.removeValue(forKey: thread) }
    }

    func noteMissedLookup(_ name: String) {
        progress.withLock { _ = $0.missedLookups.insert(name) }
    }
}

/// Who a mutation is, within its run.
struct MutationIdentity: Sendable {
    /// `m_` and 12 hexadecimal digits: what `payrun runs show` lists and `runs resolve` takes.
    let key: String
    let provider: String
    let method: String
    let path: String
    let query: String
    let bodyDigest: String
    let step: String?
    let occurrence: Int
    /// It is inside a step whose lookup found nothing: in doubt, it was not applied.
    let stepLookupMissed: Bool
}

/// A run the engine would not begin.
public struct RunRefused: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let remedy: String?
    /// The run of the job going on in another process, when that is why.
    public var runningElsewhere: String?
    /// The job's last run, which finished, when the run was to skip a finished job.
    public var finishedEarlier: String?
    /// How many handlers ``finishedEarlier`` ran for its event (0: none matched), when it says.
    public var handlersRunEarlier: Int?
    /// The store could not be read or written: the refusal says nothing about the job, and the
    /// same run may well begin a moment later.
    public var storeFailed: Bool

    public init(message: String, remedy: String?, runningElsewhere: String? = nil, finishedEarlier: String? = nil, storeFailed: Bool = false) {
        self.message = message
        self.remedy = remedy
        self.runningElsewhere = runningElsewhere
        self.finishedEarlier = finishedEarlier
        self.storeFailed = storeFailed
    }

    /// The job's run `last` is going on elsewhere: in another process, or another engine of
    /// this one; nil when its holder has not recorded it yet.
    static func running(_ last: RunRecord?) -> RunRefused {
        let message = switch last {
        case let last? where last.processID == Int(getpid()) && last.host == RunStart.currentHost:
            "run \(last.id) of this job is still running in this process (another engine on the same store)"
        case let last?:
            "run \(last.id) of this job is still running (process \(last.processID) on \(last.host))"
        case nil:
            "a run of this job is starting elsewhere (it holds the job's key)"
        }
        return RunRefused(
            message: message,
            remedy: "wait for it to end (--wait DURATION waits for it); starting the job again (--new-run) while it runs would pay twice",
            runningElsewhere: last?.id ?? "(starting)")
    }

    public var description: String { remedy.map { "\(message); \($0)" } ?? message }
}
