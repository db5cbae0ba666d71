// Hands stored events to the Lua handlers, at least once: claims due events from the inbox, runs
// the handlers file for each through the engine as a durable run keyed by the event (a retry
// resumes it, so what an attempt paid is not paid again), and records how it went. A failure is
// tried again on the retry schedule, then the event is dead. On SIGTERM the running handlers get
// the grace period; the rest stay in the inbox for the next start.
import PayrunFormats
import PayrunJournal
import PayrunLocks
import PayrunRuntime
import ServiceLifecycle

/// Delivers the inbox's events to the handlers a Lua file registers with `payrun.on`.
final class HandlerDispatcher: Service, Sendable {
    private let engine: PayrunEngine
    private let inbox: any InboxStore
    private let handlers: Script
    private let configuration: ListenerConfiguration
    private let log: ListenerLog
    let wakeup = Wakeup()
    /// Told when it stops and whether it can read the inbox, for `/health`.
    let health = ListenerHealth()

    private struct State {
        /// The events being handled here.
        var held: Set<Int> = []
        /// Events claimed again while their handlers still ran here (their claims lapsed while
        /// the store was away and were taken back): each is looked at once that run ends.
        var reclaimed: [Int: InboxEvent] = [:]
        var stopping = false
        var running: Int { held.count }
    }

    private let state = Locked(State())

    init(engine: PayrunEngine, inbox: any InboxStore, handlers: Script, configuration: ListenerConfiguration, log: ListenerLog) {
        self.engine = engine
        self.inbox = inbox
        self.handlers = handlers
        self.configuration = configuration
        self.log = log
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            await self.recover()
            await withDiscardingTaskGroup { group in
                group.addTask { await self.renewLeases() }
                group.addTask { await self.takeBackExpired() }
                group.addTask { await self.inbox.watchArrivals { self.wakeup.signal() } }
                await self.deliver(in: &group)
                await self.drain()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.state.withLock { $0.stopping = true }
            self.health.isStopping = true
            self.wakeup.signal()
        }
    }

    /// Takes back what a listener that stopped (or was killed) left running: everything, when
    /// this listener has the store to itself; what a dead listener's expired leases held, when
    /// listeners share it.
    private func recover() async {
        var warned = false
        while !isStopping {
            do {
                let now = Clock.milliseconds()
                health.reading()
                let taken = try await inbox.recover(leasesEndedBy: inbox.isShared ? now : .max, now: now)
                if taken > 0 { log.line("\(taken) event(s) a stopped listener was handling are due again") }
                if warned { log.line("the inbox can be read again") }
                health.read(failed: false)
                return
            } catch {
                if !warned, !isStopping { log.line("the inbox cannot be read: \(error); handlers wait for it") }
                warned = true
                health.read(failed: true)
                await wakeup.wait(upTo: .seconds(1))
            }
        }
    }

    /// Renews the leases of the events handled here, every fifth of a lease, until cancelled.
    private func renewLeases() async {
        var failing = false
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.lease / 5)
            let mine = state.withLock { $0.held }
            guard !Task.isCancelled, !mine.isEmpty else { continue }
            do {
                let held = try await inbox.renew(mine, owner: configuration.owner, leaseUntil: Clock.milliseconds() + configuration.lease.milliseconds)
                // Taken back while this listener could not renew (the store was away): the other
                // listener's run of the same key waits for this one's to end.
                for id in mine.subtracting(held) where state.withLock({ $0.held.contains(id) }) {
                    log.line("event \(id): another listener took it back (this one could not renew its claim in time)")
                }
                failing = false
            } catch {
                if !failing { log.line("the claims on events being handled cannot be renewed: \(error)") }
                failing = true
            }
        }
    }

    /// With a store shared by listeners: takes back the events whose listener stopped renewing
    /// their leases (killed, or cut off), every fifth of a lease, until cancelled.
    private func takeBackExpired() async {
        guard inbox.isShared else { return }
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.lease / 5)
            guard !Task.isCancelled, !isStopping else { continue }
            let now = Clock.milliseconds()
            if let taken = try? await inbox.recover(leasesEndedBy: now, now: now), taken > 0 {
                log.line("\(taken) event(s) held by a listener that stopped renewing its claims are due again")
                wakeup.signal()
            }
        }
    }

    private var isStopping: Bool { state.withLock { $0.stopping } || Task.isCancelled }

    /// Claims and starts due events while there is room, until shutdown.
    private func deliver(in group: inout DiscardingTaskGroup) async {
        var failing = false
        while !isStopping {
            let free = state.withLock { configuration.concurrency - $0.running }
            var wait = configuration.pollInterval
            if free > 0 {
                do {
                    let now = Clock.milliseconds()
                    health.reading()
                    let claimed = try await inbox.claim(
                        limit: free, now: now, owner: configuration.owner, leaseUntil: now + configuration.lease.milliseconds)
                    if failing { log.line("the inbox can be read again") }
                    failing = false
                    health.read(failed: false)
                    for event in claimed {
                        let running = state.withLock { state in
                            guard !state.held.insert(event.id).inserted else { return false }
                            state.reclaimed[event.id] = event
                            return true
                        }
                        if running {
                            log.line("event \(event.id): claimed again while its handlers still run here (the claim lapsed); looked at again when they end")
                            continue
                        }
                        group.addTask {
                            await self.handleInTurn(event)
                            self.wakeup.signal()
                        }
                    }
                    if claimed.count == free { continue }
                    if let due = try await inbox.nextDue() {
                        wait = min(wait, .milliseconds(max(due - Clock.milliseconds(), 0)))
                    }
                } catch {
                    if !failing, !isStopping { log.line("the inbox cannot be read: \(error); handlers wait for it") }
                    failing = true
                    health.read(failed: true)
                }
            }
            await wakeup.wait(upTo: wait)
        }
    }

    /// Lets the running handlers finish within the grace period, or until the stop is asked for
    /// again (a second Ctrl-C or SIGTERM, as a second Ctrl-C stops `payrun run` at once).
    private func drain() async {
        let deadline = ContinuousClock.now + configuration.grace
        var running = state.withLock { $0.running }
        guard running > 0 else { return }
        log.line("stopping: \(running) handler(s) running get \(configuration.grace) to finish (Ctrl-C again stops them now)")
        let again = SecondStop(wakeup: wakeup)
        defer { again.cancel() }
        while running > 0, ContinuousClock.now < deadline, !Task.isCancelled, !again.asked {
            await wakeup.wait(upTo: deadline - ContinuousClock.now)
            running = state.withLock { $0.running }
        }
        if running > 0 {
            log.line("stopping: \(running) handler(s) stopped\(again.asked ? " (asked again)" : ""); their events are due again \(dueAgain)")
        }
    }

    /// Handles `event`, then each claim of it made while its handlers ran, one after another: two
    /// runs of one key at once could each send what the other's journal has not yet recorded.
    private func handleInTurn(_ event: InboxEvent) async {
        var next: InboxEvent? = event
        while let current = next {
            // A claim made again finds the key's run finished, if it did: the engine looks for
            // that before it runs anything (`skipsAFinishedJob`).
            await handle(current)
            next = nil
            while next == nil {
                let reclaimed = state.withLock { state -> InboxEvent? in
                    if let reclaimed = state.reclaimed.removeValue(forKey: event.id) { return reclaimed }
                    state.held.remove(event.id)
                    return nil
                }
                guard let reclaimed else { return }
                // The new claim has the first's attempt number and owner, so an outcome the first
                // run recorded ended it too. Still held: that outcome was not recorded, and the
                // claim waits for one (the engine finds the finished run first). When the store
                // cannot say, or the listener stops, nothing runs: a claim still held is taken
                // back once its lease ends, and is due again.
                let held = try? await inbox.renew([event.id], owner: configuration.owner, leaseUntil: Clock.milliseconds() + configuration.lease.milliseconds)
                if held?.contains(event.id) == true, !isStopping { next = reclaimed }
            }
        }
    }

    /// Runs the handlers for `event` and records the outcome.
    private func handle(_ event: InboxEvent) async {
        let name = "event \(event.id) \(event.received.provider)/\(event.received.type)"
        var options = RunOptions()
        let output = HandlerOutput(prefix: name, log: log)
        options.output = .streamed(output)
        options.runKey = event.runKey
        // A finished run of its key handled it already, though the inbox did not hear so: the
        // listener stopped or lost its claim before the outcome was recorded, or the database
        // lost the claim itself in a crash (claims are committed without a flush), so that the
        // event looks as if it was never tried. Checked by the engine while it holds the key.
        options.skipsAFinishedJob = true
        options.event = HandlerEvent(
            provider: event.received.provider, type: event.received.type, id: event.received.key, body: event.received.body,
            receivedAt: ListenerLog.time(event.received.receivedAt), attempt: event.attempts)
        let start = ContinuousClock.now
        let result: ScriptResult
        do {
            result = try await engine.run(handlers, options: options)
            output.finish()
        } catch {
            output.finish()
            // Cancelled (the listener stopping) or the engine shut down: not the handler's fault.
            if await record(event, .interrupted, runID: nil) {
                log.line("\(name) interrupted: the listener is stopping; due again \(dueAgain)")
            }
            return
        }
        if let earlier = result.finishedEarlier {
            if result.handlersRun == 0 {
                if await record(event, .unhandled, runID: earlier) {
                    log.line("\(name) unhandled: its earlier run \(earlier) found no handler for it; kept (\(replay(event)) hands it over again)")
                }
            } else {
                if await record(event, .handled, runID: earlier) {
                    log.line("\(name) handled (by its earlier run \(earlier), whose outcome the inbox had not recorded)")
                }
            }
            return
        }
        let took = "\((ContinuousClock.now - start).milliseconds) ms"
        let runID = result.run?.id
        if result.status == .success {
            if result.handlersRun ?? 0 > 0 {
                if await record(event, .handled, runID: runID) {
                    log.line("\(name) handled (attempt \(event.attempts), \(took))")
                }
            } else {
                if await record(event, .unhandled, runID: runID) {
                    log.line("\(name) unhandled: no handler is registered for it; kept (\(replay(event)) hands it over again)")
                }
            }
            return
        }
        if result.status == .interrupted, isStopping {
            if await record(event, .interrupted, runID: runID) {
                log.line("\(name) interrupted: the listener is stopping; due again \(dueAgain)")
            }
            return
        }
        if let elsewhere = result.runningElsewhere {
            // Another listener runs this event's handlers (it took the claim back from this one,
            // or this one from it): this attempt waits for that run, and does not count.
            let until = Clock.milliseconds() + configuration.lease.milliseconds / 3
            if await record(event, .postponed(until: until), runID: nil) {
                log.line("\(name) waits: its run \(elsewhere) is going on in another listener; looking again at \(ListenerLog.time(until))")
            }
            return
        }
        if result.storeFailed, let wait = configuration.retrySchedule.waits.first {
            // The store failed before the run began (a database restarting): nothing ran, so the
            // attempt does not count, or a blip would use up a short retry schedule.
            let until = Clock.milliseconds() + wait.milliseconds
            if await record(event, .postponed(until: until), runID: nil) {
                log.line("\(name) waits: \(result.error?.message ?? "the state store failed"); not counted as an attempt, trying again at \(ListenerLog.time(until))")
            }
            return
        }
        var message = result.error?.message ?? "the handler failed (\(result.status))"
        // A payment in doubt waits for a person: trying again would stop at it again.
        let wait = result.status == .inDoubt ? nil : configuration.retrySchedule.wait(after: event.attempts)
        if result.status == .inDoubt {
            // The run's message ends saying to replay the event; the number and store are known here.
            message += message.hasSuffix("by replaying its event") ? ": `\(replay(event))`" : "; once it is resolved, `\(replay(event))` resumes the handler"
        }
        let retryAt = wait.map { Clock.milliseconds() + $0.milliseconds }
        // Taken back by another listener meanwhile: it handles the event from here, and this
        // attempt's outcome (its retry, its advice) is not this listener's to give.
        guard await record(event, .failed(error: message, retryAt: retryAt), runID: runID) else { return }
        if let retryAt {
            log.line("\(name) failed (attempt \(event.attempts), \(took)): \(message); retrying at \(ListenerLog.time(retryAt))")
        } else if result.status == .inDoubt {
            log.line("\(name) dead after \(event.attempts) attempt(s): \(message)")
        } else {
            log.line("\(name) dead after \(event.attempts) attempt(s): \(message); `\(replay(event))` after a fix")
        }
    }

    /// When an event this listener stops handling is handled again: at its next start, or
    /// sooner by another listener sharing the inbox.
    private var dueAgain: String {
        inbox.isShared ? "now, for another listener on this inbox (or this one at its next start)" : "at the next start"
    }

    /// The command that hands `event` to the handlers again, with the store it is in.
    private func replay(_ event: InboxEvent) -> String {
        "payrun inbox replay \(event.id) " + ShellWord.stateOption(inbox.location)
    }

    /// Records an outcome, trying again while the store is away: an outcome not recorded would
    /// leave the event running until the next start. It is recorded even when the handler's
    /// task was cancelled (the listener stopping); then it is tried for a few seconds only.
    /// - Returns: whether the event was still this listener's: false when its claim was taken
    ///   back first (said here); this attempt's outcome is then not to be announced as the
    ///   event's, with a retry this listener will not make.
    @discardableResult
    private func record(_ event: InboxEvent, _ result: AttemptResult, runID: String?) async -> Bool {
        let (inbox, log) = (inbox, log)
        return await Task { [self] in
            var warned = false
            for attempt in 1... {
                do {
                    let recorded = try await inbox.finish(
                        event.id, attempt: event.attempts, owner: configuration.owner, result: result, runID: runID, now: Clock.milliseconds())
                    if !recorded {
                        log.line("event \(event.id): its claim was taken back (by another listener, or lost with the database) before this attempt's "
                            + "outcome could be recorded; whoever claims it next finishes it, without paying again what this attempt paid")
                    }
                    return recorded
                } catch {
                    if !warned { log.line("event \(event.id): its outcome cannot be recorded yet: \(error); trying again") }
                    warned = true
                    // Left running: taken back, and due again, at the next start.
                    if state.withLock({ $0.stopping }) && attempt >= 10 { return true }
                    try? await Task.sleep(for: .milliseconds(500))
                }
            }
            return true
        }.value
    }
}
