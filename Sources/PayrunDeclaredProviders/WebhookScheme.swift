// How a declared provider's webhooks are told from forgeries, and what a verified one is. Each
// kind compares in constant time; those with a timestamp refuse one too far from now.

/// How webhooks are verified.
public enum WebhookScheme: Sendable, Equatable {
    /// Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature` (`v1,<base64>`,
    /// several during a key rotation), HMAC-SHA256 of `id.timestamp.body` with a `whsec_` secret.
    case standard(secret: String)
    /// Stripe's `t=<unix>,v1=<hex>` header, HMAC-SHA256 of `t.body`.
    case stripe(secret: String, header: String)
    /// A signature declared by parts (of the body, a timestamp header, credentials) in a header
    /// whose value is a template (`sha256={signature}`).
    case hmac(HMACSignature, header: String, value: Template, timestampHeader: String?)
    /// A header that carries a credential as it is.
    case header(name: String, credential: String)
    /// HTTP Basic credentials.
    case basic(username: String, password: String)
}

/// A webhook scheme with what every kind shares.
public struct WebhookRules: Sendable, Equatable {
    public var scheme: WebhookScheme
    /// How far a webhook's timestamp may be from now, in seconds.
    public var tolerance: Int
    /// Where the event's type is: a path in the body, or a header.
    public var type: FieldSource?
    /// Where the provider's id for the event is.
    public var id: FieldSource?
}

/// A value read from a webhook.
public enum FieldSource: Sendable, Equatable {
    case body(JSONPath)
    case header(String)
}
