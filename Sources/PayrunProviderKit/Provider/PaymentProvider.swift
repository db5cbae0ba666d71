// The provider plugin API: what payrun needs to know to talk to a payment provider. The built-in
// providers use exactly this, and a host that embeds payrun registers its own the same way.
import FoundationEssentials
import PayrunFormats

/// A payment provider: where it answers, how requests are signed, what its answers and errors
/// look like, how its lists page and how its webhooks are checked.
///
/// Conform a type, register it in a ``ProviderRegistry``, and scripts reach it with
/// `payrun.provider(name)`. Signing runs in Swift with secrets from the credential store;
/// scripts never see them.
public protocol PaymentProvider: Sendable {
    /// What scripts pass to `payrun.provider`, and the first part of its credential names
    /// (`particeep.api_secret`). Lower case, letters, digits and `_`.
    var name: String { get }

    /// The credential fields signing reads, e.g. `["api_key", "api_secret"]`.
    var credentialFields: [String] { get }

    /// The credentials of the local simulator, public and the same for everyone; empty when
    /// payrun has no simulator of this provider.
    var sandboxCredentials: [String: String] { get }

    /// The base URL requests' paths are appended to, or nil when the provider has no such
    /// environment. `sandboxServer` is the base URL of the running simulators, in `sandbox`.
    func baseURL(in environment: PayrunEnvironment, sandboxServer: String?) -> String?

    /// The hosts (`host` or `host:port`) the provider's credentials may be sent to: by default
    /// the host of ``baseURL(in:sandboxServer:)``; more when it authenticates elsewhere (an
    /// OAuth authorization server).
    func hosts(in environment: PayrunEnvironment, sandboxServer: String?) -> [String]

    /// Adds authentication to `request` (headers, signature, token) with `context`'s
    /// credentials; may fetch a token through `context.send` and keep it in `context.cache`.
    /// - Throws: `ProviderError` when a credential is missing or signing fails.
    func sign(_ request: inout ProviderRequest, in context: SigningContext) async throws(ProviderError)

    /// Signs `request` as ``sign(_:in:)`` does, here and now, when that needs nothing awaited
    /// (no token to fetch): a script's request is then sent by its thread with no task. False
    /// (the default), leaving `request` as it was, to sign it with ``sign(_:in:)``.
    func signNow(_ request: inout ProviderRequest, in context: SigningContext) throws(ProviderError) -> Bool

    /// Whether ``sign(_:in:)`` never waits on anything shared with other requests (a token kept
    /// in an actor): then `p:paginate` may fetch its pages on the script's thread, which runs
    /// their work only while it waits for a page. False, the default, fetches them on Swift's
    /// pool: a page fetched ahead that waited there for a token another request was renewing
    /// would hold that token until the loop came back for it.
    var signsWithoutWaiting: Bool { get }

    /// Whether `response` says the authentication `request` carried is no longer good (an
    /// expired token), so payrun should sign it afresh and send it once more. Forget the
    /// refused token here. The default: never.
    func renewsAuthorization(after response: ProviderResponse, to request: ProviderRequest, in context: SigningContext) async -> Bool

    /// For a create the provider deduplicates, sent more than once and answered with a
    /// conflict on its reference: how to find what the first attempt created, which is then
    /// the result (the create was accepted). Nil (the default) reports the conflict as an error.
    func existing(after conflict: ProviderResponse, to request: ProviderRequest) -> ExistingLookup?

    /// For a mutation sent with no answer (it may or may not have arrived) that the provider can
    /// look up by a reference (Peex's `track_id`): how to find it. Found, it is the result; not
    /// found (404 or not picked), the mutation is sent once more. Nil (the default): the error
    /// says it may or may not have been applied.
    func lookupBeforeResending(_ request: ProviderRequest) -> ExistingLookup?

    /// The header the provider recognises a repeated `method` request by (an `Idempotency-Key`),
    /// or nil (the default) when it has none. A durable run fills it with a key derived from the
    /// run and the mutation, the same when the run resumes, so a mutation left in doubt by a crash
    /// is sent again with the key the provider saw and applied once.
    func idempotencyHeader(forMethod method: String) -> String?

    /// Whether `request` only reads: sending it changes nothing at the provider. `--dry-run`
    /// sends reads and only describes the rest; by default a read is also safe to retry. The
    /// default: GET, HEAD and OPTIONS (a provider that reads with POSTs says which).
    func isRead(_ request: ProviderRequest) -> Bool

    /// Whether `request` may be sent again after a failure without paying twice. The default:
    /// reads (``isRead(_:)``) may; nothing else.
    func retrySafety(of request: ProviderRequest) -> RetrySafety

    /// What a script gets from `response`: the result with any envelope removed.
    /// - Throws: `ProviderError` when the response is an error, in the provider's own terms.
    func result(of response: ProviderResponse, to request: ProviderRequest) throws(ProviderError) -> JSONValue

    /// ``result(of:to:)`` read in place: the part of the parsed answer it would return, which
    /// goes to a script without being built as a `JSONValue`. A provider whose answers are JSON
    /// implements this and ``result(of:to:)`` as its `value`. The default: ``result(of:to:)``'s
    /// value.
    func parsedResult(of response: ProviderResponse, to request: ProviderRequest) throws(ProviderError) -> ProviderResult

    /// How the provider's lists are paged.
    var pagination: PaginationScheme { get }

    /// Said after "the path 'x' must start with /" (how the provider's requests are addressed,
    /// when a path is not how); nil (the default) for nothing more.
    var pathHint: String? { get }

    /// How the list at `path` with `query` is paged, for a provider whose lists differ (one
    /// operation pages by offset, another by page number). The default: ``pagination``.
    func pagination(of path: String, query: [(String, String)]) -> PaginationScheme

    /// How one page is asked for: by default a GET of `path` with the page's `query`; a
    /// provider whose lists are read with POSTs (Capitalist) sends the query as the body.
    func pageRequest(path: String, query: [(String, String)]) -> PageRequest

    /// Whether `error`, the answer to a list that is not paged (``PaginationScheme/none``), says
    /// the list is empty: Peex answers 404 for a list with nothing in it. Then `p:paginate`
    /// gives no items instead of raising. The default: never.
    func saysTheListIsEmpty(_ error: ProviderError, path: String) -> Bool

    /// Where the list is in a successful page: `body` (the parsed `response`) itself, or the
    /// part inside the provider's envelope; nil when the body is an error, which
    /// `result(of:to:)` then reports. `p:paginate` reads items through this, straight from the
    /// parsed text, without building them twice. The default: `body` for any 2xx status.
    func listBody(of response: ProviderResponse, parsed body: JSONTape.Node) -> JSONTape.Node?

    /// Whether a webhook really comes from the provider.
    func verify(_ webhook: IncomingWebhook, with credentials: ProviderCredentials, now: Int) -> WebhookVerdict

    /// Whether ``verify(_:with:now:)`` can tell this provider's webhooks from forgeries, so that
    /// `payrun listen` receives them. The default: no.
    var receivesWebhooks: Bool { get }

    /// The credential fields a script may put in a request body (as a `payrun.credential`
    /// handle), to register with the provider: a secret it is meant to send back, such as the
    /// header value of its webhooks. Its own login and signing secrets are never among them: a
    /// provider keeps what a body gives it where its answers and searches could give it back.
    /// The default: none.
    var bodyCredentialFields: Set<String> { get }

    /// The credential fields ``verify(_:with:now:)`` checks webhooks with, so that `payrun
    /// listen` can say at start which are missing rather than refuse every webhook. The default:
    /// none named.
    var webhookCredentialFields: [String] { get }

    /// A verified webhook's type (what `payrun.on` matches) and the provider's own id for the
    /// event, if it has one. The default: type `webhook`, no id.
    func describe(_ webhook: IncomingWebhook) -> WebhookDescription

    /// The headers of a webhook whose values are secrets, in lower case; the inbox keeps their
    /// names only. The default: `authorization`.
    var webhookSecretHeaders: Set<String> { get }

    /// Headers `sign` adds that carry nothing secret (a timestamp), shown as they are by
    /// `p:sign`; every other header it adds is shown redacted.
    var publicSigningHeaders: Set<String> { get }

    /// Something the user should know about a successful response, such as a quota nearly
    /// spent; shown once per run.
    func warning(about response: ProviderResponse) -> String?

    /// Methods of the provider's own on its Lua client, next to `get`, `paginate` and the rest;
    /// nil (the default) for none.
    var luaExtension: ProviderLuaExtension? { get }

    /// The paths its documentation lists (`/user/{id}`), or for a provider addressed by
    /// operation, the operations' names: what `payrun repl` offers when Tab is pressed inside a
    /// call's first argument. The default: none.
    var endpoints: [String] { get }
}

/// A provider's own client methods, written in Lua on top of the common ones, so that they
/// wait for responses the way every request does (inside `payrun.parallel` too).
public struct ProviderLuaExtension: Sendable {
    /// A chunk that returns a table of functions; each is called as `p:name(...)` with the
    /// client as `self`.
    public let source: String
    /// Each function's LuaLS annotations (description, `---@param`, `---@return`), by name, in
    /// the order `payrun annotations` writes them; every function the chunk returns needs one.
    public let annotations: [(name: String, text: String)]
    /// The chunk's name in errors and tracebacks (`@providers/acme.lua`, with `source` padded so
    /// that its lines are the file's); nil for `payrun.provider.NAME`.
    public let chunkName: String?

    public init(source: String, annotations: [(name: String, text: String)], chunkName: String? = nil) {
        self.source = source
        self.annotations = annotations
        self.chunkName = chunkName
    }
}

extension PaymentProvider {
    public var sandboxCredentials: [String: String] { [:] }

    public var pathHint: String? { nil }

    public func hosts(in environment: PayrunEnvironment, sandboxServer: String?) -> [String] {
        baseURL(in: environment, sandboxServer: sandboxServer).flatMap(CredentialScope.host(of:)).map { [$0] } ?? []
    }

    public func renewsAuthorization(after response: ProviderResponse, to request: ProviderRequest, in context: SigningContext) async -> Bool {
        false
    }

    public func signNow(_ request: inout ProviderRequest, in context: SigningContext) throws(ProviderError) -> Bool { false }

    public var signsWithoutWaiting: Bool { false }

    public func existing(after conflict: ProviderResponse, to request: ProviderRequest) -> ExistingLookup? { nil }

    public func lookupBeforeResending(_ request: ProviderRequest) -> ExistingLookup? { nil }

    public func idempotencyHeader(forMethod method: String) -> String? { nil }

    public func isRead(_ request: ProviderRequest) -> Bool {
        request.method == "GET" || request.method == "HEAD" || request.method == "OPTIONS"
    }

    /// Reads may be retried; every mutation is unsafe unless the provider says how it
    /// recognises a repeat.
    public func retrySafety(of request: ProviderRequest) -> RetrySafety {
        isRead(request) ? .idempotent : .unsafe
    }

    public var pagination: PaginationScheme { .none }

    public func pagination(of path: String, query: [(String, String)]) -> PaginationScheme { pagination }

    public func pageRequest(path: String, query: [(String, String)]) -> PageRequest {
        PageRequest(method: "GET", path: path, query: query, body: nil)
    }

    public func saysTheListIsEmpty(_ error: ProviderError, path: String) -> Bool { false }

    public func listBody(of response: ProviderResponse, parsed body: JSONTape.Node) -> JSONTape.Node? {
        (200..<300).contains(response.status) ? body : nil
    }

    public func parsedResult(of response: ProviderResponse, to request: ProviderRequest) throws(ProviderError) -> ProviderResult {
        .built(try result(of: response, to: request))
    }

    public func warning(about response: ProviderResponse) -> String? { nil }

    public var publicSigningHeaders: Set<String> { [] }

    public var luaExtension: ProviderLuaExtension? { nil }

    public var endpoints: [String] { [] }

    public func verify(_ webhook: IncomingWebhook, with credentials: ProviderCredentials, now: Int) -> WebhookVerdict {
        .invalid("\(name) webhooks cannot be verified by payrun")
    }

    public var receivesWebhooks: Bool { false }

    public var webhookCredentialFields: [String] { [] }

    public var bodyCredentialFields: Set<String> { [] }

    /// Whether the provider has `environment` at all (a base URL there, with simulators running
    /// for `sandbox`): Capitalist has no test environment.
    public func offers(_ environment: PayrunEnvironment) -> Bool {
        baseURL(in: environment, sandboxServer: "http://127.0.0.1") != nil
    }

    public func describe(_ webhook: IncomingWebhook) -> WebhookDescription { WebhookDescription(type: "webhook") }

    public var webhookSecretHeaders: Set<String> { ["authorization"] }
}

/// How a provider pages its lists.
public enum PaginationScheme: Sendable, Equatable {
    /// Not paged.
    case none
    /// `limit` and `offset` query parameters; the page's items in `items`, the total in `total`.
    case limitOffset(limit: String, offset: String, items: String, total: String?, defaultLimit: Int)
    /// A `cursor` query parameter from the previous page, `limit` items a page; the page's items
    /// in `items`, the next cursor at the member path `next` (e.g. `["pagination", "cursor"]`),
    /// missing, null or empty after the last page.
    case cursor(cursor: String, limit: String, items: String, next: [String], defaultLimit: Int)
    /// A `page` number from `first` and `size` items a page; the page's items in `items`, the
    /// number of pages at the member path `pageCount`.
    case pageNumber(page: String, size: String, items: String, pageCount: [String], first: Int, defaultSize: Int)
    /// `limit` items a page, each page's `Link` header (RFC 8288) giving the next one's URL
    /// (`rel="next"`), none after the last; the items are the answer itself (an array) or its
    /// member `items`.
    case link(limit: String, items: String?, defaultLimit: Int)
    /// A `cursor` query parameter holding the last item's `key` member (Stripe's
    /// `starting_after`), `limit` items a page, the items in `items`; pages go on while the
    /// member path `more` is true (while pages are full, when there is no such member).
    case afterItem(cursor: String, limit: String, items: String, key: String, more: [String], defaultLimit: Int)
}

/// One page's request: method, path, query and body.
public struct PageRequest: Sendable {
    public let method: String
    public let path: String
    public let query: [(String, String)]
    public let body: JSONValue?

    public init(method: String, path: String, query: [(String, String)], body: JSONValue?) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
    }
}

/// How to find what an earlier attempt of a create made: a GET of `path` with `query`, and
/// the entity picked from its result.
public struct ExistingLookup: Sendable {
    public let path: String
    public let query: [(String, String)]
    /// The entity in the lookup's result, or nil if it is not there.
    public let pick: @Sendable (JSONValue) -> JSONValue?

    public init(path: String, query: [(String, String)], pick: @escaping @Sendable (JSONValue) -> JSONValue?) {
        self.path = path
        self.query = query
        self.pick = pick
    }
}

/// A webhook as received: its headers and its exact body bytes.
public struct IncomingWebhook: Sendable {
    public let headers: [(String, String)]
    public let body: [UInt8]

    public init(headers: [(String, String)], body: [UInt8]) {
        self.headers = headers
        self.body = body
    }

    /// The first header called `name`, ignoring case.
    public func header(_ name: String) -> String? {
        headers.value(named: name)
    }

    /// Whether the webhook carries these HTTP Basic credentials, compared in constant time.
    public func verifyBasic(user: [UInt8], password: [UInt8]) -> WebhookVerdict {
        guard let header = header("Authorization") else { return .invalid("no Authorization header") }
        guard header.lowercased().hasPrefix("basic ") else { return .invalid("the Authorization header is not Basic") }
        let expected = "Basic " + Data(user + [UInt8(ascii: ":")] + password).base64EncodedString()
        guard ConstantTime.equal("Basic " + header.dropFirst("basic ".count), expected) else {
            return .invalid("the Basic credentials do not match")
        }
        return .valid
    }
}

/// What a verified webhook is: its type, and the provider's id for the event where it gives one
/// (without one, the inbox tells events apart by a digest of the body).
public struct WebhookDescription: Sendable, Equatable {
    public var type: String
    public var id: String?

    public init(type: String, id: String? = nil) {
        self.type = type
        self.id = id
    }
}

/// Whether a webhook is authentic, and if not, why.
public enum WebhookVerdict: Sendable, Equatable {
    case valid
    case invalid(String)
}
