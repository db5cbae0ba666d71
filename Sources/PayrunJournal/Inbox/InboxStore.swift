// Where received webhooks are kept: stored durably before the provider is answered, claimed by
// the listener that hands them to handlers, and listed, shown and replayed by `payrun inbox`.

/// What storing one received event did.
public enum StoredEvent: Sendable, Equatable {
    /// Stored for the first time, as event `id`.
    case stored(id: Int)
    /// The same provider and key were stored before, as event `id`: kept once.
    case duplicate(id: Int)

    public var id: Int {
        switch self {
        case .stored(let id), .duplicate(let id): id
        }
    }
}

extension StoredEvent {
    /// How a store tells events apart: provider and key.
    public static func identity(provider: String, key: String) -> String { provider + "\u{0}" + key }

    /// What storing `events` in one batch did to each: `inserted` are the ids the batch's insert
    /// returned, `earlier` the ids of events stored before it, both by ``identity(provider:key:)``.
    /// The first of a batch's copies is stored; the others, and earlier ones, are duplicates.
    public static func outcomes(of events: [ReceivedEvent], inserted: [String: Int], earlier: [String: Int]) -> [StoredEvent] {
        var fresh = inserted
        var known = earlier
        return events.map { event in
            let identity = identity(provider: event.provider, key: event.key)
            if let id = fresh.removeValue(forKey: identity) {
                known[identity] = id
                return .stored(id: id)
            }
            return .duplicate(id: known[identity] ?? 0)
        }
    }
}

/// How an attempt ended, as the store records it.
public enum AttemptResult: Sendable, Equatable {
    case handled
    case unhandled
    /// Failed; due again at `retryAt` (milliseconds), or dead when nil.
    case failed(error: String, retryAt: Int?)
    /// Stopped before it ended (the listener shut down); due again at once, not counted.
    case interrupted
    /// Could not begin (its run is going on in another listener); due again at `until`
    /// (milliseconds), not counted.
    case postponed(until: Int)
}

extension AttemptResult {
    /// What a store records: the event's new state, when it is next due (nil: no new time; an
    /// interrupted event keeps its place in line), its error, and how the attempt ended.
    public var recorded: (state: EventState, nextAt: Int?, error: String?, outcome: EventAttempt.Outcome) {
        switch self {
        case .handled: (.handled, nil, nil, .handled)
        case .unhandled: (.unhandled, nil, nil, .unhandled)
        case .failed(let error, let retryAt): (retryAt == nil ? .dead : .retrying, retryAt, error, .failed)
        case .interrupted: (.retrying, nil, nil, .interrupted)
        case .postponed(let until): (.retrying, until, nil, .interrupted)
        }
    }
}

/// Which events `payrun inbox` lists or replays.
public struct EventFilter: Sendable, Equatable {
    public var provider: String?
    public var type: String?
    public var states: Set<EventState>?
    /// Received at or after (milliseconds).
    public var since: Int?
    public var ids: [Int]?
    public var limit = 100

    public init(provider: String? = nil, type: String? = nil, states: Set<EventState>? = nil, since: Int? = nil, ids: [Int]? = nil, limit: Int = 100) {
        self.provider = provider
        self.type = type
        self.states = states
        self.since = since
        self.ids = ids
        self.limit = limit
    }
}

/// A store of received webhooks. Every call is safe from any task.
public protocol InboxStore: Sendable {
    /// Where the store is, for messages.
    var location: String { get }

    /// Whether several listeners may hand over its events at once (each claim is then leased,
    /// and a listener starting takes back only what a dead one held). False: the listener has it
    /// to itself, and takes back everything left running at start.
    var isShared: Bool { get }

    /// Stores `events` in one commit that is on disk when this returns; each is stored once
    /// per provider and key, for good.
    /// - Returns: what happened to each, in order.
    func store(_ events: [ReceivedEvent]) async throws(StoreError) -> [StoredEvent]

    /// Takes up to `limit` events due at `now` (received, or retrying and past their time),
    /// oldest first: each is marked running, its attempt counted and begun, as `owner`'s, leased
    /// until `leaseUntil`: past it, another listener may take the event back (``recover(leasesEndedBy:now:)``)
    /// unless ``renew(owner:leaseUntil:)`` extended it.
    func claim(limit: Int, now: Int, owner: String, leaseUntil: Int) async throws(StoreError) -> [InboxEvent]

    /// Records how `attempt` of event `id` ended, and what the event's state becomes. Nothing
    /// changes unless `owner` still holds that attempt: an outcome from a listener whose claim was
    /// taken back is too late.
    /// - Returns: whether it was recorded (false: too late).
    @discardableResult
    func finish(_ id: Int, attempt: Int, owner: String, result: AttemptResult, runID: String?, now: Int) async throws(StoreError) -> Bool

    /// Extends the leases of events `ids`, which `owner` is handling, to `leaseUntil` (a heartbeat).
    /// - Returns: the ids it still holds; one missing was taken back by another listener.
    func renew(_ ids: Set<Int>, owner: String, leaseUntil: Int) async throws(StoreError) -> Set<Int>

    /// Makes every running event whose lease ended by `deadline` due again at `now`, its attempt
    /// ended as interrupted and not counted; returns how many. A listener alone on its store
    /// takes back everything at start (`deadline` = `Int.max`); listeners sharing one take back
    /// what a dead one held once its leases end.
    func recover(leasesEndedBy deadline: Int, now: Int) async throws(StoreError) -> Int

    /// Calls `wake` whenever another process stores or replays events, until the task is
    /// cancelled. A store that cannot tell returns at once, and the listener polls.
    func watchArrivals(_ wake: @escaping @Sendable () -> Void) async

    /// When the earliest pending event is due (milliseconds), nil when none is.
    func nextDue() async throws(StoreError) -> Int?

    /// The events `filter` selects, newest first.
    func events(_ filter: EventFilter) async throws(StoreError) -> [InboxEvent]

    /// The event with inbox number `id`.
    func event(_ id: Int) async throws(StoreError) -> InboxEvent?

    /// Its attempts, oldest first.
    func attempts(of id: Int) async throws(StoreError) -> [EventAttempt]

    /// Hands the events `filter` selects (not running ones) to the handlers again, due at
    /// `now`, with the retry schedule started again; a handled one gets a new run, a failed one
    /// resumes its run unless `afresh` (then it gets a new run too). Returns their ids.
    func replay(_ filter: EventFilter, now: Int, afresh: Bool) async throws(StoreError) -> [Int]

    /// How many events are in each state.
    func counts() async throws(StoreError) -> [EventState: Int]

    func close() async
}

extension InboxStore {
    public var isShared: Bool { false }

    public func watchArrivals(_ wake: @escaping @Sendable () -> Void) async {}
}
