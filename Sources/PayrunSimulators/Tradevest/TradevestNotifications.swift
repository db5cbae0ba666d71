// What Tradevest sends to webhooks: a thin notification per status change (the entity's id,
// status and time, its externalId), with the headers the partner registered for that event type.
import PayrunFormats

enum TradevestNotifications {
    /// The event types a webhook can be registered for.
    static let eventTypes = ["CUSTOMER_NOTIFICATION", "TRANSFER_NOTIFICATION", "DOCUMENT_NOTIFICATION", "DIGITAL_ASSET_ORDER_NOTIFICATION"]

    /// The notification that `entity` (under `idField`) moved to `status`.
    static func payload(
        id: String, idField: String, status: String, modified: String, notification: String, entity: TradevestStore.Entity
    ) -> JSONValue {
        var payload: [String: JSONValue] = [
            idField: .string(id), "status": .string(status), "modifiedOn": .string(modified), "notificationType": .string(notification),
        ]
        if let externalID = entity.fields["externalId"] { payload["externalId"] = externalID }
        if let customerID = entity.fields["customerId"], idField != "customerId" { payload["customerId"] = customerID }
        return .object(payload)
    }

    /// A notification of `event` as `payrun sandbox trigger` sends it: `body`, or a sample one of
    /// an entity just CREATED, with `headers` (what a partner would have registered).
    static func sample(event: String, url: String, body: [UInt8]?, headers: [(String, String)]) -> WebhookDispatcher.Message? {
        guard eventTypes.contains(event) else { return nil }
        let idField = switch event {
        case "TRANSFER_NOTIFICATION": "transferId"
        case "DOCUMENT_NOTIFICATION": "documentId"
        case "DIGITAL_ASSET_ORDER_NOTIFICATION": "orderId"
        default: "customerId"
        }
        let entity = TradevestStore.Entity(fields: ["externalId": .string("sample-1")], created: UTCTime.nowPrecise())
        let sample = payload(
            id: "3f1b6c1e-0000-4000-8000-000000000002", idField: idField, status: "CREATED", modified: UTCTime.text(UTCTime.now()),
            notification: "CREATED", entity: entity)
        return WebhookDispatcher.Message(event: event, url: url, body: body ?? sample.encoded()) { headers }
    }

    /// A registered webhook as `/webhooks` lists it.
    static func json(_ webhook: TradevestStore.Webhook) -> JSONValue {
        .object([
            "eventType": .string(webhook.eventType), "url": .string(webhook.url),
            "headers": .array(webhook.headers.map { .object(["name": .string($0.0), "value": .string($0.1)]) }),
        ])
    }
}
