// A webhook as the inbox keeps it: what was received, and how handing it to the handlers went.
import PayrunFormats

/// Where an event is on its way to the handlers.
public enum EventState: String, Sendable, CaseIterable, Codable {
    /// Stored; not yet handed to a handler.
    case received
    /// A handler has it now.
    case running
    /// Its handlers finished without an error.
    case handled
    /// A handler failed; it will be tried again at ``InboxEvent/nextAttemptAt``.
    case retrying
    /// Its handlers failed every attempt the schedule allows; `payrun inbox replay` tries again.
    case dead
    /// No handler was registered for it; kept, and handed over again by `payrun inbox replay`.
    case unhandled

    /// Waiting to be handed to handlers (now, or at its next attempt).
    public var isPending: Bool { self == .received || self == .retrying }
}

/// A verified webhook, as the receiver hands it to the store.
public struct ReceivedEvent: Sendable, Equatable {
    public var provider: String
    public var type: String
    /// The provider's event id, or `sha256:` and the digest of the type and body where it gives
    /// none: what makes a redelivery the same event.
    public var key: String
    /// The headers as received, secret ones with their values removed.
    public var headers: [Header]
    public var body: [UInt8]
    /// Milliseconds since 1970, UTC.
    public var receivedAt: Int

    public init(provider: String, type: String, key: String, headers: [Header], body: [UInt8], receivedAt: Int) {
        self.provider = provider
        self.type = type
        self.key = key
        self.headers = headers
        self.body = body
        self.receivedAt = receivedAt
    }

    /// The key of an event with no id of its own: the digest of its type and body (a deletion
    /// can carry the same body as the creation before it).
    public static func key(type: String, body: [UInt8]) -> String {
        "sha256:" + ChainDigest.sha256(Array(type.utf8) + [0] + body)
    }
}

/// A header name and value.
public struct Header: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// An event in the inbox.
public struct InboxEvent: Sendable, Equatable {
    /// The inbox's own number for it, in the order received.
    public var id: Int
    public var received: ReceivedEvent
    public var state: EventState
    /// Attempts begun so far.
    public var attempts: Int
    /// When it is next due (milliseconds), for a pending event.
    public var nextAttemptAt: Int?
    /// The last attempt's error, if it failed.
    public var lastError: String?
    /// How often `payrun inbox replay` handed it over again after it was handled: part of the
    /// run key, so that a replay runs the handlers afresh, where a retry resumes their run.
    public var replays: Int
    /// How the last attempt that ended, ended: `interrupted` means its handlers may have
    /// finished without the inbox hearing of it (a listener finds that run by the event's run
    /// key whatever this says: a claim lost in a database crash leaves no outcome at all).
    public var lastOutcome: EventAttempt.Outcome?

    public init(
        id: Int, received: ReceivedEvent, state: EventState, attempts: Int = 0, nextAttemptAt: Int? = nil, lastError: String? = nil,
        replays: Int = 0, lastOutcome: EventAttempt.Outcome? = nil
    ) {
        self.lastOutcome = lastOutcome
        self.id = id
        self.received = received
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.replays = replays
    }

    /// The key of the durable run its handlers run as: the same for every retry of the event,
    /// so that what an attempt paid is not paid again by the next.
    public var runKey: String {
        "webhook \(received.provider) \(received.key)" + (replays == 0 ? "" : " replay \(replays)")
    }
}

/// One attempt at handing an event to its handlers.
public struct EventAttempt: Sendable, Equatable {
    public var eventID: Int
    /// 1 for the first.
    public var number: Int
    public var startedAt: Int
    public var endedAt: Int?
    /// How it ended; nil while it runs.
    public var outcome: Outcome?
    public var error: String?
    /// The durable run the handlers ran as.
    public var runID: String?

    public enum Outcome: String, Sendable {
        case handled, failed, unhandled
        /// The listener stopped (or was killed) while the handler ran; the attempt does not count.
        case interrupted
    }

    public init(eventID: Int, number: Int, startedAt: Int, endedAt: Int? = nil, outcome: Outcome? = nil, error: String? = nil, runID: String? = nil) {
        self.eventID = eventID
        self.number = number
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.outcome = outcome
        self.error = error
        self.runID = runID
    }
}
