// `payrun runs`: the audit trail. What ran, when, by whom, what each run sent and how it ended;
// checking the journal's chain, settling a payment in doubt, and pruning old runs.
import ArgumentParser
import Payrun

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List runs and show what they did (the audit trail).",
        subcommands: [RunsListCommand.self, RunsShowCommand.self, RunsVerifyCommand.self, RunsResolveCommand.self, RunsPruneCommand.self],
        defaultSubcommand: RunsListCommand.self
    )
}

struct RunsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List runs, newest first.")

    @OptionGroup var stateOptions: StateOptions
    @Flag(help: "Write JSON instead of a table.") var json = false
    @Option(help: ArgumentHelp("Show at most this many runs.", valueName: "n")) var limit = 50
    @Option(help: ArgumentHelp("Only runs of this script: its path, or the end of it (payout.lua).", valueName: "script")) var script: String?
    @Option(help: ArgumentHelp("Only runs of this job.", valueName: "key")) var key: String?
    @Option(help: ArgumentHelp(
        "Only runs with this status: finished, failed, time_limit, in_doubt, interrupted, running, stopped (recorded running, its process gone), or unfinished (any but finished).",
        valueName: "status"))
    var status: String?
    @Option(help: ArgumentHelp("Only runs started since: an age (12h, 7d) or a UTC date (2026-12-02).", valueName: "when")) var since: String?

    func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be 1 or more") }
        if let status, status != "unfinished", status != "stopped", RunStatus(rawValue: status) == nil {
            throw ValidationError("--status \(status): say one of \((RunStatus.allCases.map(\.rawValue) + ["stopped", "unfinished"]).joined(separator: ", "))")
        }
        if let since, Self.start(since) == nil { throw ValidationError("--since \(since): give an age such as 12h or 7d, or a date such as 2026-12-02") }
    }

    /// `--since` in seconds since 1970: an age back from now, or the start of a UTC day.
    static func start(_ since: String) -> Int? {
        if let age = RunsText.seconds(since) { return UTCTime.now() - age }
        return UTCTime.seconds(fromDateOrDateTime: since)
    }

    /// Whether `run` is one the options ask for, `start` being `--since`'s time.
    func selects(_ run: RunRecord, startedSince start: Int?) -> Bool {
        if let script {
            // `./payout.lua`, as a shell completes a name in this folder, is `payout.lua`.
            var wanted = Substring(script)
            while wanted.hasPrefix("./") { wanted = wanted.dropFirst(2) }
            guard run.script == script || run.script == wanted || run.script.hasSuffix("/" + wanted) else { return false }
        }
        if let key, run.key != key { return false }
        switch status {
        case nil: break
        case "unfinished"?: if run.status.isFinished { return false }
        // Told apart by whether its process is alive: in ``run()``.
        case "stopped"?: if run.status != .running { return false }
        case let status?: if run.status.rawValue != status { return false }
        }
        if let start, run.startedAt < start { return false }
        return true
    }

    func run() async throws {
        try await stateOptions.withStore { store in
            let filtered = script != nil || key != nil || status != nil || since != nil
            // Filtered, every run is looked at: the limit is of those shown.
            let start = since.flatMap(Self.start)
            var runs: [RunRecord] = []
            if filtered {
                for run in try await store.runs(limit: .max) where runs.count < limit && selects(run, startedSince: start) {
                    // A run recorded as running whose process is gone is stopped, not running.
                    if status == "running" || status == "stopped" {
                        guard try await RunsText.isStopped(run, store: store) == (status == "stopped") else { continue }
                    }
                    runs.append(run)
                }
            } else {
                runs = try await store.runs(limit: limit)
            }
            let output = StandardStreams.shared
            if json {
                var documents: [JSONValue] = []
                for run in runs { documents.append(try await RunsText.json(run, store: store)) }
                output.write(String(decoding: JSONValue.array(documents).encoded(), as: UTF8.self) + "\n", to: .standardOutput)
                return
            }
            let leftBehind = try await RunsText.leftBehind(runs, in: store)
            var rows = [["ID", "STARTED (UTC)", "SCRIPT", "ENV", "USER", "STATUS", "MUTATIONS"]]
            for run in runs {
                rows.append([
                    run.id, RunsText.minutes(run.startedAt), run.script, run.environment, run.user,
                    try await RunsText.status(run, leftBehind: leftBehind.contains(run.id), store: store)
                        + (run.attempts > 1 ? " (\(run.attempts) attempts)" : ""),
                    String(run.mutations),
                ])
            }
            output.write(RunsText.table(rows), to: .standardOutput)
            if runs.isEmpty { output.write(filtered ? "no runs match in \(store.location)\n" : "no runs yet in \(store.location)\n", to: .standardError) }
        }
    }
}

struct RunsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show what one run did: each attempt, mutation and step.")

    @OptionGroup var stateOptions: StateOptions
    @Flag(help: "Write JSON instead of text.") var json = false
    @Argument(help: ArgumentHelp("The run's id (r_…).", valueName: "run")) var runID: String

    func run() async throws {
        try await stateOptions.withStore { store in
            guard let run = try await store.run(runID) else { throw CommandFailure("there is no run \(runID) in \(store.location); `payrun runs` lists them") }
            let records = try await store.records(of: runID)
            let output = StandardStreams.shared
            if json {
                let document = JSONValue.object(["run": try await RunsText.json(run, journal: records, store: store), "records": .array(records.map(RunsText.json))])
                output.write(String(decoding: document.encoded(), as: UTF8.self) + "\n", to: .standardOutput)
                return
            }
            let leftBehind = try await store.isLeftBehind(run, journal: records)
            var text = "run \(run.id): \(run.script) \(run.arguments.joined(separator: " "))\n"
            let status = try await RunsText.status(run, leftBehind: leftBehind, journal: records, store: store)
            text += "  key \(run.key), \(run.environment), \(run.user)@\(run.host), \(status)"
            text += ", started \(RunsText.minutes(run.startedAt))" + (run.endedAt.map { ", ended \(RunsText.minutes($0))" } ?? "") + " UTC\n"
            for line in RunsText.lines(records, lastAttemptGone: status.hasPrefix("stopped (process")) { text += line + "\n" }
            // What an auditor asks first of a run that stopped: which payments nobody knows about.
            let inDoubt = MutationStanding.reading(records).filter { if case .inDoubt = $0.value { true } else { false } }.keys.sorted()
            if !inDoubt.isEmpty {
                let next = run.status.isFinished || leftBehind
                    ? "check each at the provider, and pay what was not paid by a new run"
                    : "the next run of this job settles each by the provider's lookup, or stops and asks: "
                        + "`payrun runs resolve \(run.id) MUTATION --applied ID | --not-applied \(ShellWord.stateOption(store.location))`"
                text += "  in doubt (sent, no answer kept): \(inDoubt.joined(separator: ", ")); \(next)\n"
            }
            output.write(text, to: .standardOutput)
        }
    }
}

struct RunsVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check the journal's hash chain; name the first broken link (exit status 1).")

    @OptionGroup var stateOptions: StateOptions

    func run() async throws {
        try await stateOptions.withStore { store in
            switch try await store.verify() {
            case .intact(let count):
                StandardStreams.shared.write("the journal is intact: \(count) records checked\n", to: .standardOutput)
            case .broken(let sequence, let runID, let problem):
                StandardStreams.shared.write("the journal is broken at record \(sequence) (run \(runID)): \(problem)\n", to: .standardError)
                throw ExitCode(1)
            }
        }
    }
}

struct RunsResolveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Record what happened to a payment in doubt, or ask for a refused one again, so that its run can resume.",
        discussion: """
            A payment in doubt (sent, no answer kept): check at the provider first. --applied ID: it was applied and the \
            provider calls it ID; --not-applied: it was not, and the resumed run sends it.
            A payment the provider refused (a wallet short of funds, a beneficiary not yet registered) is given its refusal \
            again from the journal when the run resumes. Once its cause is fixed, --send-again has the resumed run send it \
            again. Do not, if the script already did something else about the refusal (paid from another wallet).
            """
    )

    @OptionGroup var stateOptions: StateOptions
    @Argument(help: ArgumentHelp("The run's id (r_…).", valueName: "run")) var runID: String
    @Argument(help: ArgumentHelp("The mutation (m_…), as the run's message and `payrun runs show` name it.", valueName: "mutation")) var mutation: String
    @Option(help: ArgumentHelp("It was applied: the id the provider gave it.", valueName: "id")) var applied: String?
    @Flag(help: "It was not applied: the resumed run sends it.") var notApplied = false
    @Flag(help: "The provider refused it and the cause is fixed: the resumed run sends it again.") var sendAgain = false

    func validate() throws {
        guard [applied != nil, notApplied, sendAgain].count(where: { $0 }) == 1 else {
            throw ValidationError("say one, and only one, of --applied ID, --not-applied (a payment in doubt) or --send-again (a refused one)")
        }
        // The id is what an auditor finds the payment by at the provider: one that cannot be read is no record of it.
        if let applied, applied.allSatisfy(\.isWhitespace) || applied.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw ValidationError("--applied takes the id the provider gave the payment (txn_…): \(applied.isEmpty ? "an empty one" : "blanks or control characters") say nothing of it")
        }
    }

    private var resolution: MutationResolution {
        if let applied { return .applied(id: applied) }
        return sendAgain ? .sendAgain : .notApplied
    }

    func run() async throws {
        try await stateOptions.withStore { store in
            do {
                try await store.resolve(run: runID, mutation: mutation, as: resolution, by: RunStart.currentUser)
            } catch let error as ResolutionRefused {
                throw CommandFailure(error.message)
            }
            let what = switch resolution {
            case .applied(let id): "was applied, as \(id)"
            case .notApplied: "was not applied: the resumed run sends it"
            case .sendAgain: "is to be sent again: the resumed run sends it"
            }
            // A webhook handler's run (`payrun listen`) resumes when its event is replayed.
            let key = try await store.run(runID)?.key ?? ""
            let state = ShellWord.stateOption(store.location)
            let next: String
            if key.hasPrefix("webhook ") {
                let event = try? await stateOptions.withInbox { inbox in try await Self.event(runningAs: key, in: inbox) }
                next = "replay its event to resume its handler: " + (event.map { "`payrun inbox replay \($0) \(state)`" }
                    ?? "`payrun inbox list --status dead \(state)` shows its number N, `payrun inbox replay N \(state)` replays it")
            } else {
                next = "run the same command again to resume"
            }
            StandardStreams.shared.write("recorded: \(mutation) of run \(runID) \(what); \(next)\n", to: .standardOutput)
        }
    }

    /// The number of the event whose handler runs as `key` (`webhook peex payout-7`), among
    /// those waiting for a person or failed.
    static func event(runningAs key: String, in inbox: any InboxStore) async throws -> Int? {
        let provider = key.split(separator: " ").dropFirst().first.map(String.init)
        let events = try await inbox.events(EventFilter(provider: provider, states: [.dead, .retrying], limit: 10_000))
        return events.first { $0.runKey == key }?.id
    }
}

struct RunsPruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Delete runs that ended long ago, and their journals.")

    @OptionGroup var stateOptions: StateOptions
    @Option(help: ArgumentHelp("Delete runs that ended longer ago than this: 90d, 12h, 30m.", valueName: "age")) var olderThan: String

    func validate() throws {
        guard RunsText.seconds(olderThan) != nil else { throw ValidationError("--older-than takes an age such as 90d, 12h or 30m, not '\(olderThan)'") }
    }

    func run() async throws {
        let age = RunsText.seconds(olderThan)!
        try await stateOptions.withStore { store in
            let cutoff = UTCTime.now() - age
            // A handler's finished run stops the next attempt at its event from paying again,
            // however old: kept while the event is not handled (a listener that died before it
            // could say so takes the event up again when it starts).
            let waiting = try await stateOptions.withInbox { inbox in
                Set(try await inbox.events(EventFilter(states: Set(EventState.allCases).subtracting([.handled]), limit: .max)).map(\.runKey))
            }
            let count = try await store.prune(endedBefore: cutoff, keeping: waiting)
            var said = "pruned \(count) run\(count == 1 ? "" : "s") that ended before \(RunsText.minutes(cutoff)) UTC"
            // What stayed, and why: an unfinished run a run of its key would resume keeps its
            // journal, and so does every run after it in the chain.
            let kept = try await store.runs(limit: .max).filter { ($0.endedAt ?? .max) < cutoff }
            if !kept.isEmpty {
                let leftBehind = try await RunsText.leftBehind(kept, in: store)
                let resumable = kept.filter { !$0.status.isFinished && !leftBehind.contains($0.id) }.count
                let handlers = kept.filter { waiting.contains($0.key) }.count
                said += "; kept \(kept.count) that ended before then: \(resumable) unfinished that a run of the same job (or `payrun inbox replay`) resumes"
                    + " from its journal, \(handlers) of webhook events not handled yet, and the runs after them in the journal's chain"
            }
            StandardStreams.shared.write(said + "\n", to: .standardOutput)
        }
    }
}
