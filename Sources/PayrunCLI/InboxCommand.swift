// `payrun inbox`: the webhooks `payrun listen` received, how handing each to its handlers went,
// and replaying them (after a handler was fixed, or to run them again).
import ArgumentParser
import Payrun
import PayrunListener
import PayrunPostgres

struct InboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inbox",
        abstract: "List received webhooks, show one, and hand them to the handlers again.",
        subcommands: [InboxListCommand.self, InboxShowCommand.self, InboxReplayCommand.self],
        defaultSubcommand: InboxListCommand.self
    )
}

/// Which events: the filters `list` and `replay` share.
struct EventFilterOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Only this provider's events.", valueName: "name")) var provider: String?
    @Option(help: ArgumentHelp("Only events of this type.", valueName: "type")) var type: String?
    @Option(help: ArgumentHelp("Only events received since: a date, an ISO 8601 time, or an age such as 2h or 7d.", valueName: "time"))
    var since: String?

    func validate() throws {
        if let since, InboxText.since(since, now: 0) == nil {
            throw ValidationError("--since '\(since)' is not a time: give 2026-12-01, 2026-12-01T10:00:00Z, or an age such as 2h or 7d")
        }
    }

    func filter(states: Set<EventState>?) -> EventFilter {
        EventFilter(provider: provider, type: type, states: states, since: since.flatMap { InboxText.since($0, now: UTCTime.now() * 1000) })
    }
}

extension EventState: ExpressibleByArgument {}

struct InboxListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List received events, newest first.")

    @OptionGroup var stateOptions: StateOptions
    @OptionGroup var filter: EventFilterOptions
    @Option(help: ArgumentHelp("Only events in this state: received, running, handled, retrying, dead or unhandled (repeatable).", valueName: "state"))
    var status: [EventState] = []
    @Option(help: ArgumentHelp("Show at most this many events.", valueName: "n")) var limit = 50
    @Flag(help: "Write JSON instead of a table.") var json = false

    func run() async throws {
        try await stateOptions.withInbox { inbox in
            var selection = filter.filter(states: status.isEmpty ? nil : Set(status))
            selection.limit = limit
            let events = try await inbox.events(selection)
            let output = StandardStreams.shared
            if json {
                output.write(String(decoding: JSONValue.array(events.map { InboxText.json($0, body: false) }).encoded(), as: UTF8.self) + "\n", to: .standardOutput)
                return
            }
            output.write(InboxText.table(events), to: .standardOutput)
            if events.isEmpty {
                // A misspelt provider matches nothing, and looks like a quiet inbox.
                var note = ""
                if let provider = filter.provider {
                    let seen = Set(try await inbox.events(EventFilter(limit: 100_000)).map(\.received.provider)).sorted()
                    if !seen.isEmpty && !seen.contains(provider) {
                        note = NearestName.to(provider, among: seen).map { " (no event is from '\(provider)': did you mean '\($0)'?)" }
                            ?? " (no event is from '\(provider)'; they are from \(seen.joined(separator: ", ")))"
                    } else if seen.isEmpty, let unknown = Self.unknownProvider(provider) {
                        // An empty inbox has no names to suggest: payrun's own are the next best.
                        note = " (the inbox is empty; \(unknown))"
                    }
                }
                output.write("no events match in \(inbox.location)\(note)\n", to: .standardError)
            }
        }
    }

    /// What to say of `name` when it is none of payrun's own providers (a provider declared in
    /// Lua may have any name, so it is not called wrong); nil when it is one.
    static func unknownProvider(_ name: String) -> String? {
        let names = BuiltInProviders.registry.names
        guard !names.contains(name) else { return nil }
        let near = NearestName.to(name, among: names).map { "did you mean '\($0)'? " } ?? ""
        return "'\(name)' is not one of payrun's providers: \(near)they are \(names.joined(separator: ", ")), "
            + "and a provider declared in Lua is named by its file, providers/NAME.lua"
    }
}

struct InboxShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one event: its headers, body and attempts.")

    @OptionGroup var stateOptions: StateOptions
    @Flag(help: "Write JSON instead of text.") var json = false
    @Argument(help: ArgumentHelp("The event's number, as `payrun inbox` lists it.", valueName: "id")) var id: Int

    func run() async throws {
        try await stateOptions.withInbox { inbox in
            guard let event = try await inbox.event(id) else { throw CommandFailure("there is no event \(id) in \(inbox.location); `payrun inbox` lists them") }
            let attempts = try await inbox.attempts(of: id)
            let output = StandardStreams.shared
            if json {
                var document = InboxText.json(event, body: true)
                if case .object(var fields) = document {
                    fields["attempts_made"] = .array(attempts.map(InboxText.json))
                    document = .object(fields)
                }
                output.write(String(decoding: document.encoded(), as: UTF8.self) + "\n", to: .standardOutput)
                return
            }
            output.write(InboxText.text(event, attempts: attempts), to: .standardOutput)
        }
    }
}

struct InboxReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Hand events to the handlers again: a failed or dead one resumes its run, a handled one runs afresh.",
        discussion: """
            By number, any event but a running one; by --dead or --since, only events not handled yet (received, \
            retrying, dead, unhandled), so that a broad replay never pays again what a handler paid. A failed \
            handler's run replays what providers answered it, refusals included: after a fix on the provider's side, \
            --new-run runs it afresh (check `payrun runs show` first: what it paid may be paid again). A running \
            `payrun listen` on the same state store picks them up within a second.
            """)

    @OptionGroup var stateOptions: StateOptions
    @OptionGroup var filter: EventFilterOptions
    @Flag(help: "Every dead event (that matches the filters).") var dead = false
    @Flag(help: "Run the handlers as a new run instead of resuming a failed one.") var newRun = false
    @Flag(help: "Write JSON instead of text.") var json = false
    @Argument(help: ArgumentHelp("The events' numbers.", valueName: "id")) var ids: [Int] = []

    func validate() throws {
        guard !ids.isEmpty || dead || filter.since != nil else {
            throw ValidationError("say which events: their numbers, --dead, or --since TIME")
        }
    }

    func run() async throws {
        try await stateOptions.withInbox { inbox in
            // Only a number asks for a handled event again.
            var selection = filter.filter(states: dead ? [.dead] : ids.isEmpty ? [.received, .retrying, .dead, .unhandled] : nil)
            if !ids.isEmpty { selection.ids = ids }
            let replayed = try await inbox.replay(selection, now: UTCTime.now() * 1000, afresh: newRun)
            let output = StandardStreams.shared
            if json {
                output.write(String(decoding: JSONValue.object(["replayed": .array(replayed.map(JSONValue.integer))]).encoded(), as: UTF8.self) + "\n", to: .standardOutput)
                return
            }
            let missing = ids.filter { !replayed.contains($0) }
            let why = missing.isEmpty ? "" : try await reasons(missing, in: inbox)
            if replayed.isEmpty {
                // Chosen by filter, a handled event is left alone: say so, and how to ask for one.
                let hint = ids.isEmpty
                    ? " (no event the filters chose is waiting, failed or dead; a handled event is replayed only by its number: `payrun inbox list --status handled`, then `payrun inbox replay ID`)"
                    : " (\(why))"
                output.write("no event was replayed" + hint + "\n", to: .standardError)
                throw ExitCode(1)
            }
            // Said as it is: replayed events wait in the inbox until a listener takes them.
            let path = stateOptions.path
            let taker = PostgresRunStore.names(path)
                ? "a payrun listen on this database hands them over within a second"
                : ListenerLock.isHeld(store: path)
                    ? "the payrun listen running on this store hands them over within a second"
                    : "no payrun listen is running on this store: they are handled when one starts (`payrun listen HANDLERS \(ShellWord.stateOption(path))`)"
            output.write("replayed \(replayed.count) event(s): \(replayed.map(String.init).joined(separator: ", ")); \(taker)\n", to: .standardOutput)
            if !missing.isEmpty {
                output.write("not replayed: \(why)\n", to: .standardError)
            }
        }
    }

    /// Why each of `missing` was not replayed, as the inbox has it now: "unknown, or running now"
    /// was said even of an event `--dead` left out for being handled.
    private func reasons(_ missing: [Int], in inbox: any InboxStore) async throws -> String {
        var found: [Int: InboxEvent] = [:]
        for event in try await inbox.events(EventFilter(ids: missing, limit: missing.count)) { found[event.id] = event }
        return missing.map { id in
            guard let event = found[id] else { return "\(id): no such event" }
            if event.state == .running { return "\(id): its handlers are running now" }
            if dead && event.state != .dead { return "\(id): \(event.state.rawValue), and --dead replays only dead events" }
            return "\(id): \(event.state.rawValue), not matched by --provider, --type or --since"
        }.joined(separator: "; ")
    }
}
