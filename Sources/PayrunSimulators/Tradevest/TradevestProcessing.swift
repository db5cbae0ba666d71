// Tradevest's asynchronous creates: checked statically and stored RECEIVED (201 with the id), then
// processed after a delay into CREATED or INVALID, sometimes REJECTED later, each change sent as a
// thin notification to the webhook registered for its event type.
import HTTPTypes
import Hummingbird
import PayrunFormats

struct TradevestProcessing: Sendable {
    typealias State = TradevestStore.State
    typealias Collection = WritableKeyPath<State, TradevestStore.Collection> & Sendable

    let configuration: TradevestSimulator.Configuration
    let store: TradevestStore
    let webhooks: WebhookDispatcher

    /// What full validation decides about a RECEIVED entity.
    enum Outcome {
        case created
        case invalid(String)
        /// CREATED now, REJECTED after ``TradevestSimulator/Configuration/rejectionDelay``.
        case rejectedLater(String)
    }

    /// Checks `request`'s body (static checks, Requestor-ID, externalId), stores the entity as
    /// RECEIVED, answers 201 with its id, and processes it after the configured delay.
    func create(
        _ request: Request, _ collection: Collection, idField: String, event: String,
        check: ([String: JSONValue]) -> ([TradevestValidation.Problem], [String: JSONValue]),
        process: @escaping @Sendable (TradevestStore.Entity, inout State) -> Outcome
    ) async throws -> Response {
        let body = try await TradevestValidation.body(request)
        let (checked, extra) = check(body)
        var problems = checked
        if request.headers[HTTPField.Name("Requestor-ID")!]?.isEmpty ?? true {
            problems.append(("Requestor-ID", "REQUIRED", "the Requestor-ID header (the acting natural person's id) is required"))
        }
        if let externalID = body["externalId"], externalID.string?.isEmpty ?? true {
            problems.append(("externalId", "INVALID_FORMAT", "must be a non-empty string"))
        }
        guard problems.isEmpty else { throw TradevestError.validation(problems) }
        let id = OperationIDs.next()
        let now = UTCTime.now()
        var fields = body.merging(extra) { $1 }
        fields[idField] = .string(id)
        fields["status"] = .string("RECEIVED")
        fields["createdOn"] = .string(UTCTime.text(now))
        fields["modifiedOn"] = .string(UTCTime.text(now))
        try store.state.withLock { state throws(TradevestError) in
            if let externalID = body["externalId"]?.string {
                guard state.externalIDs.insert(externalID).inserted else {
                    throw TradevestError(status: .conflict, errorCode: "DUPLICATE_EXTERNAL_ID", message: "externalId \(externalID) was already used")
                }
            }
            state[keyPath: collection][id] = TradevestStore.Entity(fields: fields, created: UTCTime.nowPrecise())
        }
        let delay = configuration.processingDelay
        let rejection = configuration.rejectionDelay
        Task {
            try? await Task.sleep(for: delay)
            let outcome = store.state.withLock { state -> Outcome? in
                guard let entity = state[keyPath: collection][id] else { return nil }
                return process(entity, &state)
            }
            switch outcome {
            case nil: return
            case .created: change(collection, id, idField: idField, event: event, to: "CREATED", notification: "CREATED")
            case .invalid(let reason): change(collection, id, idField: idField, event: event, to: "INVALID", notification: "VALIDATION_ERROR", reason: reason)
            case .rejectedLater(let reason):
                change(collection, id, idField: idField, event: event, to: "CREATED", notification: "CREATED")
                try? await Task.sleep(for: rejection)
                change(collection, id, idField: idField, event: event, to: "REJECTED", notification: "UPDATED", reason: reason)
            }
        }
        var writer = JSONWriter()
        writer.openObject()
        writer.field(idField, id)
        writer.field("status", "RECEIVED")
        writer.closeObject()
        return .json(writer.bytes, status: .created)
    }

    /// The webhook every event type has under `--webhooks-to`, as a partner would register it.
    private func defaultWebhook(for event: String) -> TradevestStore.Webhook? {
        configuration.webhooksTo.map { base in
            TradevestStore.Webhook(eventType: event, url: base + "/webhooks/tradevest", headers: [("api-key", TradevestSimulator.sandboxWebhookSecret)])
        }
    }

    /// Moves an entity to `status` and sends the thin notification to the registered webhook.
    private func change(
        _ collection: Collection, _ id: String, idField: String, event: String,
        to status: String, notification: String, reason: String? = nil
    ) {
        let modified = UTCTime.text(UTCTime.now())
        let (webhook, entity) = store.state.withLock { state -> (TradevestStore.Webhook?, TradevestStore.Entity?) in
            state[keyPath: collection][id]?.fields["status"] = .string(status)
            state[keyPath: collection][id]?.fields["modifiedOn"] = .string(modified)
            if let reason { state[keyPath: collection][id]?.fields["statusReason"] = .string(reason) }
            return (state.webhooks[event] ?? defaultWebhook(for: event), state[keyPath: collection][id])
        }
        guard let webhook, let entity else { return }
        let payload = TradevestNotifications.payload(
            id: id, idField: idField, status: status, modified: modified, notification: notification, entity: entity)
        let headers = webhook.headers
        webhooks.send(WebhookDispatcher.Message(event: event, url: webhook.url, body: payload.encoded()) { headers })
    }

    static func record(_ state: inout State, product: String, cents: Int, type: String, reference: String?) {
        let id = OperationIDs.next()
        var fields: [String: JSONValue] = [
            "transactionId": .string(id), "customerProductId": .string(product), "type": .string(type),
            "amount": .string(Cents.text(cents)), "currency": .string("EUR"), "bookedOn": .string(UTCTime.text(UTCTime.now())),
        ]
        if let reference { fields["reference"] = .string(reference) }
        state.transactions[id] = TradevestStore.Entity(fields: fields, created: UTCTime.nowPrecise())
    }

}
