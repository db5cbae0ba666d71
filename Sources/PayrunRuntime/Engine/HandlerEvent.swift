// A received webhook handed to the handlers a script registers with `payrun.on`.

/// The event a run hands to its handlers after the script's main chunk: what the Lua `event`
/// table holds.
public struct HandlerEvent: Sendable, Equatable {
    public var provider: String
    public var type: String
    /// The provider's id for the event, or the digest of its body where it gives none.
    public var id: String
    /// The body as received; handlers get it decoded when it is JSON, as text otherwise.
    public var body: [UInt8]
    /// When it was received, ISO 8601 UTC.
    public var receivedAt: String
    /// 1 for the first time the event is handed to handlers, 2 for the first retry, ...
    public var attempt: Int

    public init(provider: String, type: String, id: String, body: [UInt8], receivedAt: String, attempt: Int) {
        self.provider = provider
        self.type = type
        self.id = id
        self.body = body
        self.receivedAt = receivedAt
        self.attempt = attempt
    }
}
