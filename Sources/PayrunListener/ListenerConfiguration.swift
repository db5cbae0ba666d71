// How a listener receives webhooks and hands them to handlers.

/// The settings of a ``WebhookListener``.
public struct ListenerConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port; ``WebhookListener`` says which once it listens.
    public var port = 8600
    /// A larger body is answered 413 and not read further.
    public var bodyLimit = 1 << 20
    /// A request's head (its first line and headers) must arrive within this.
    public var headTimeout: Duration = .seconds(10)
    /// A request's body must arrive within this once its head has.
    public var bodyTimeout: Duration = .seconds(30)
    /// Events handed to handlers at once.
    public var concurrency = 1
    /// When failed handlers are tried again, and when they are dead.
    public var retrySchedule = RetrySchedule.standard
    /// After SIGTERM, how long running handlers have to finish before they are stopped (their
    /// events stay in the inbox, due again).
    public var grace: Duration = .seconds(30)
    /// How often the inbox is looked at when nothing wakes the listener (events replayed by
    /// another process).
    public var pollInterval: Duration = .seconds(1)
    /// How long a claim holds an event without a heartbeat: a listener renews its claims every
    /// fifth of it, and listeners sharing a store look for a dead one's ended leases as often.
    public var lease: Duration = .seconds(10)
    /// Whether events are handed to the handlers; false receives and stores only (the events wait
    /// in the inbox for a listener that hands them over).
    public var handsOver = true
    /// Whether verified events are stored; false answers them 200 and keeps nothing. Only for
    /// measuring what storing costs (`payrun-bench listen`): a provider would lose them.
    public var storesEvents = true
    /// The listener's name in the inbox's claims.
    public var owner: String

    public init(owner: String) {
        self.owner = owner
    }
}
