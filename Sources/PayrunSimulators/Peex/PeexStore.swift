// The Peex simulator's state: the client's balance (`solde`) and its payment requests by track_id,
// each moving through Peex's statuses as its beneficiary's number decides.
import PayrunFormats
import PayrunLocks

final class PeexStore: Sendable {
    struct Request: Sendable {
        let id: Int
        let trackID: String
        let amount: Double
        let fromCurrency: String
        let toCurrency: String
        let identifier: String
        var status: String
        var paymentProof: String?
        let created: Int
        var updated: Int

        var json: JSONValue {
            .object([
                "id": .integer(id), "amount": amount.rounded() == amount ? .integer(Int(amount)) : .number(amount),
                "status": .string(status), "from_currency": .string(fromCurrency), "to_currency": .string(toCurrency),
                "created_at": .string(UTCTime.text(created)), "updated_at": .string(UTCTime.text(updated)),
                "payment_proof": paymentProof.map(JSONValue.string) ?? .null, "identifier_by": .string(identifier),
                "track_id": .string(trackID), "type": .string(identifier.contains("@") ? "email" : "mobile"),
            ])
        }
    }

    struct State: Sendable {
        var solde: Double
        var requests: [String: Request] = [:]
        var nextID = 1
    }

    let state: Locked<State>

    init(solde: Double) {
        state = Locked(State(solde: solde))
    }
}
