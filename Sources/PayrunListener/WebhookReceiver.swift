// The receiving end: POST /webhooks/<provider> reads the body (up to the cap), verifies it with
// the provider's scheme, stores it durably and only then answers 2xx. GET /health for load
// balancers. Nothing unverified is stored; no body or header value is ever logged.
import HTTPTypes
import Hummingbird
import NIOCore
import PayrunFormats
import PayrunJournal
import PayrunLocks
import PayrunRuntime

/// Receives providers' webhooks into the inbox.
final class WebhookReceiver: Sendable {
    struct Counts: Sendable {
        var stored = 0
        var duplicates = 0
        var rejected = 0
        var tooLarge = 0
        var unavailable = 0
        /// When a write to the inbox last failed, if none has succeeded since.
        var failedAt: ContinuousClock.Instant?
    }

    /// How long `/health` says the inbox is unavailable after a write failed: long enough for a
    /// load balancer to send providers elsewhere, short enough that it sends them back (a
    /// listener that gets no events cannot find out otherwise that the store is back).
    static let unavailableFor: Duration = .seconds(10)
    /// How long a sender waits for its event to be stored before it is answered 503. Short: a
    /// database that went away makes a pool wait for it, and a provider holding a connection for
    /// that long may give up on its own; a 503 tells it to send the event again later.
    static let storeTimeout: Duration = .seconds(3)

    private let engine: PayrunEngine
    private let batcher: EventBatcher
    private let bodyLimit: Int
    private let stores: Bool
    private let log: ListenerLog
    /// Told when an event is stored, so the handlers get it at once.
    private let stored: @Sendable () -> Void
    /// Whether the listener is stopping or cannot read its inbox, as its dispatcher saw.
    private let listener: ListenerHealth
    let counts = Locked(Counts())

    init(
        engine: PayrunEngine, inbox: any InboxStore, bodyLimit: Int, stores: Bool, log: ListenerLog, health: ListenerHealth = ListenerHealth(),
        stored: @escaping @Sendable () -> Void
    ) {
        self.engine = engine
        listener = health
        batcher = EventBatcher(inbox: inbox)
        self.bodyLimit = bodyLimit
        self.stores = stores
        self.log = log
        self.stored = stored
    }

    /// The providers whose webhooks are received, by name.
    var providers: [String: any PaymentProvider] {
        Dictionary(uniqueKeysWithValues: engine.configuration.providers.all.filter(\.receivesWebhooks).map { ($0.name, $0) })
    }

    func addRoutes(to router: Router<BasicRequestContext>) {
        let providers = self.providers
        router.post("/webhooks/:provider") { request, context in
            try await self.receive(request, provider: providers[context.parameters.get("provider") ?? ""], named: context.parameters.get("provider") ?? "")
        }
        router.get("/health") { _, _ in self.health() }
    }

    private func receive(_ request: Request, provider: (any PaymentProvider)?, named name: String) async throws -> Response {
        guard let provider else {
            let known = providers.keys.sorted().joined(separator: ", ")
            return Self.json(.notFound, ["error": .string("no provider '\(name)' sends webhooks here; these do: \(known)")])
        }
        var request = request
        // A body declared too large is refused before it is waited for.
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > bodyLimit {
            counts.withLock { $0.tooLarge += 1 }
            log.line("refused \(provider.name): its Content-Length, \(declared) bytes, is over \(bodyLimit) (413)")
            return Self.json(.contentTooLarge, ["error": .string("the body is over the limit of \(bodyLimit) bytes")])
        }
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: bodyLimit)
        } catch is NIOTooManyBytesError {
            counts.withLock { $0.tooLarge += 1 }
            log.line("refused \(provider.name): the body is over \(bodyLimit) bytes (413)")
            return Self.json(.contentTooLarge, ["error": .string("the body is over the limit of \(bodyLimit) bytes")])
        }
        let webhook = IncomingWebhook(headers: request.headers.map { ($0.name.rawName, $0.value) }, body: Array(body.readableBytesView))
        let configuration = engine.configuration
        let credentials = ProviderCredentials(for: provider, in: configuration.environment, from: configuration.credentials)
        if case .invalid(let reason) = provider.verify(webhook, with: credentials, now: UTCTime.now()) {
            counts.withLock { $0.rejected += 1 }
            log.line("rejected \(provider.name): \(Self.printable(reason)) (401)")
            return Self.json(.unauthorized, ["error": .string("the webhook could not be verified as \(provider.name)'s")])
        }
        let event = received(webhook, from: provider)
        guard stores else { return Self.json(.ok, ["id": .integer(0)]) }
        let start = ContinuousClock.now
        do {
            let result = try await withTimeout(Self.storeTimeout, late: { [counts, log, stored] late in
                // Stored after the 503 went out: in the inbox, and handled, all the same.
                guard case .success(.stored(let id)) = late else { return }
                counts.withLock { $0.stored += 1; $0.failedAt = nil }
                log.line("event \(id) \(provider.name)/\(event.type) received after all (stored in \((ContinuousClock.now - start).milliseconds) ms, "
                    + "after its 503: the provider's next delivery of it is a duplicate)")
                stored()
            }) { [batcher] in try await batcher.store(event) }
            let milliseconds = (ContinuousClock.now - start).milliseconds
            switch result {
            case .stored(let id):
                counts.withLock { $0.stored += 1; $0.failedAt = nil }
                log.line("event \(id) \(provider.name)/\(event.type) received (stored in \(milliseconds) ms)")
                stored()
                return Self.json(.ok, ["id": .integer(id)])
            case .duplicate(let id):
                counts.withLock { $0.duplicates += 1; $0.failedAt = nil }
                log.line("event \(id) \(provider.name)/\(event.type) duplicate (kept once)")
                return Self.json(.ok, ["id": .integer(id), "duplicate": .bool(true)])
            }
        } catch {
            counts.withLock { $0.unavailable += 1; $0.failedAt = .now }
            log.line("unavailable \(provider.name)/\(event.type): \(error) (503: the provider will send it again)")
            var response = Self.json(.serviceUnavailable, ["error": .string("the inbox cannot store events now; send it again later")])
            response.headers[.retryAfter] = "5"
            return response
        }
    }

    /// The event as the inbox keeps it: secret headers with their names only, every
    /// credential the store holds taken out of the rest, body included.
    private func received(_ webhook: IncomingWebhook, from provider: any PaymentProvider) -> ReceivedEvent {
        var description = provider.describe(webhook)
        // The type comes from a header or the body: one short printable word in the log and the store.
        description.type = Self.printable(String(description.type.prefix(64)))
        description.id = description.id.map { Self.printable(String($0.prefix(200))) }
        let secret = provider.webhookSecretHeaders
        let redactor = Redactor(store: engine.configuration.credentials)
        let headers = webhook.headers.map { name, value in
            Header(name, secret.contains(name.lowercased()) ? "[redacted]" : redactor.redact(value))
        }
        return ReceivedEvent(
            // From the body as it came: the key must not change with the credentials stored, or a
            // redelivery would be a new event, and handled again.
            provider: provider.name, type: description.type, key: description.id ?? ReceivedEvent.key(type: description.type, body: webhook.body),
            headers: headers, body: Self.redacted(webhook.body, by: redactor), receivedAt: Clock.milliseconds())
    }

    /// A verified body as the inbox keeps it, shows it and hands it to the handler: no
    /// credential in it, whoever put one there. In JSON, strings are redacted, and a number
    /// holding a long secret becomes its marker (redacting the digits inside it would leave no
    /// JSON); the body is rewritten only if one held a secret.
    static func redacted(_ body: [UInt8], by redactor: Redactor) -> [UInt8] {
        guard let value = try? JSONValue.parse(body) else { return redactor.redact(body) }
        let redacted = redactor.redactingNumbers(redactor.redact(value))
        return redacted == value ? body : redacted.encoded()
    }

    private func health() -> Response {
        let counts = self.counts.withLock { $0 }
        let failing = counts.failedAt.map { ContinuousClock.now - $0 < Self.unavailableFor } ?? false || listener.inboxIsUnreadable
        let stopping = listener.isStopping
        let fields: [String: JSONValue] = [
            "status": .string(stopping ? "stopping" : failing ? "inbox unavailable" : "ok"), "stored": .integer(counts.stored),
            "duplicates": .integer(counts.duplicates), "rejected": .integer(counts.rejected), "too_large": .integer(counts.tooLarge),
            "unavailable": .integer(counts.unavailable),
        ]
        return Self.json(failing || stopping ? .serviceUnavailable : .ok, fields)
    }

    /// A provider's reason as one short log line: a host's provider might quote what it received,
    /// and a sender must not be able to write lines of its own into the log.
    static func printable(_ reason: String, limit: Int = 200) -> String {
        String(reason.unicodeScalars.prefix(limit).map { $0.properties.generalCategory == .control ? " " : Character($0) })
    }

    static func json(_ status: HTTPResponse.Status, _ fields: [String: JSONValue]) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: JSONValue.object(fields).encoded())))
    }
}

/// What `body` returns, or ``StoreTimeout`` after `limit`; `body` goes on in the background (its
/// event may still be stored: the provider's retry then finds it a duplicate), and what it
/// returns after the limit goes to `late`.
func withTimeout<Result: Sendable>(
    _ limit: Duration, late: @escaping @Sendable (Swift.Result<Result, any Error>) -> Void = { _ in },
    _ body: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    let waiting = Locked<CheckedContinuation<Result, any Error>?>(nil)
    let timer = Locked<Task<Void, Never>?>(nil)
    /// Hands `result` to the caller if nothing has been handed yet; whether it was.
    @Sendable func answer(_ result: Swift.Result<Result, any Error>) -> Bool {
        waiting.withLock { continuation in
            guard let waiting = continuation else { return false }
            waiting.resume(with: result)
            continuation = nil
            return true
        }
    }
    return try await withCheckedThrowingContinuation { continuation in
        waiting.withLock { $0 = continuation }
        timer.withLock { timer in
            timer = Task {
                try? await Task.sleep(for: limit)
                if !Task.isCancelled { _ = answer(.failure(StoreTimeout(limit: limit))) }
            }
        }
        Task {
            let result: Swift.Result<Result, any Error>
            do {
                result = .success(try await body())
            } catch {
                result = .failure(error)
            }
            timer.withLock { $0?.cancel() }
            if !answer(result) { late(result) }
        }
    }
}

/// The inbox did not store an event in time.
struct StoreTimeout: Error, CustomStringConvertible {
    let limit: Duration
    /// Said of the store as a whole: the wait cannot tell a database down or restarting from one
    /// another process holds (it said the latter while PostgreSQL was down).
    var description: String { "the inbox did not store it within \(limit) (the database may be down or restarting, or another process may hold it)" }
}

extension Duration {
    /// Whole milliseconds, for log lines.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
