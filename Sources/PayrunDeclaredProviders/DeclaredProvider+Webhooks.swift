// Checking a declared provider's webhooks: Standard Webhooks, Stripe's signature header, an HMAC
// declared by parts, a static header, HTTP Basic. Signatures are compared in constant time, and
// a timestamp too far from now is refused, so an old webhook cannot be replayed.
import FoundationEssentials
import PayrunFormats
import PayrunProviderKit

extension DeclaredProvider {
    public var receivesWebhooks: Bool { definition.webhooks != nil }

    public var webhookCredentialFields: [String] {
        switch definition.webhooks?.scheme {
        case nil: []
        case .standard(let secret)?, .stripe(let secret, _)?: [secret]
        case .hmac(let signature, _, let value, _)?:
            Array(Set([signature.key] + value.names.filter { $0 != "signature" && $0 != "timestamp" }
                + signature.message.compactMap { if case .credential(let field) = $0 { field } else { nil } })).sorted()
        case .header(_, let credential)?: [credential]
        case .basic(let username, let password)?: [username, password]
        }
    }

    public func verify(_ webhook: IncomingWebhook, with credentials: ProviderCredentials, now: Int) -> WebhookVerdict {
        guard let rules = definition.webhooks else { return .invalid("\(name) declares no webhooks") }
        func secret(_ field: String) -> [UInt8]? { try? credentials.secret(field).withBytes { $0 } }
        func notConfigured(_ fields: String...) -> WebhookVerdict {
            .invalid("the \(fields.map { "\(name).\($0)" }.joined(separator: " and ")) credential\(fields.count > 1 ? "s" : "") to check it with \(fields.count > 1 ? "are" : "is") not configured")
        }
        func fresh(_ seconds: Int?, header: String) -> WebhookVerdict? {
            // Checked for range first: `now - seconds` on a forged extreme would overflow.
            guard let seconds, (0...(1 << 40)).contains(seconds) else { return .invalid("the \(header) header is not a timestamp") }
            guard abs(now - seconds) <= rules.tolerance else {
                return .invalid(seconds > now
                    ? "the \(header) header is more than \(rules.tolerance) s ahead of now: the clocks differ, or it was made to be sent later"
                    : "the \(header) header is more than \(rules.tolerance) s from now: too old to trust (or the clocks differ)")
            }
            return nil
        }
        switch rules.scheme {
        case .standard(let field):
            guard let id = webhook.header("webhook-id") else { return .invalid("no webhook-id header") }
            guard let timestamp = webhook.header("webhook-timestamp") else { return .invalid("no webhook-timestamp header") }
            guard let signatures = webhook.header("webhook-signature") else { return .invalid("no webhook-signature header") }
            if let stale = fresh(Int(timestamp), header: "webhook-timestamp") { return stale }
            guard let stored = secret(field) else { return notConfigured(field) }
            guard let key = StandardWebhooks.key(from: stored), !key.isEmpty else {
                return .invalid("\(name).\(field) is not a Standard Webhooks secret (whsec_ and base64)")
            }
            let expected = "v1," + StandardWebhooks.signature(id: id, timestamp: timestamp, body: webhook.body, key: key)
            // Several signatures during a key rotation: any one that matches will do.
            let matched = signatures.split(separator: " ").reduce(false) { found, candidate in ConstantTime.equal(String(candidate), expected) || found }
            return matched ? .valid : .invalid("the webhook-signature does not match")
        case .stripe(let field, let header):
            guard let value = webhook.header(header) else { return .invalid("no \(header) header") }
            let pairs = value.split(separator: ",").map { $0.split(separator: "=", maxSplits: 1).map { String($0.filter { $0 != " " }) } }
            guard let timestamp = pairs.first(where: { $0.count == 2 && $0[0] == "t" })?[1] else { return .invalid("the \(header) header has no t= timestamp") }
            if let stale = fresh(Int(timestamp), header: "\(header) t=") { return stale }
            guard let key = secret(field) else { return notConfigured(field) }
            let expected = HMACSignature.encode(StandardWebhooks.hmacSHA256(Array(timestamp.utf8) + [UInt8(ascii: ".")] + webhook.body, key: key), as: .hex)
            let matched = pairs.filter { $0.count == 2 && $0[0] == "v1" }.reduce(false) { found, pair in ConstantTime.equal(pair[1], expected) || found }
            return matched ? .valid : .invalid("no v1 signature in the \(header) header matches")
        case .hmac(let signature, let header, let template, let timestampHeader):
            guard let received = webhook.header(header) else { return .invalid("no \(header) header") }
            var timestamp: String?
            if let timestampHeader {
                guard let value = webhook.header(timestampHeader) else { return .invalid("no \(timestampHeader) header") }
                if let stale = fresh(HMACSignature.seconds(from: value, as: signature.timestampFormat), header: timestampHeader) { return stale }
                timestamp = value
            }
            let fields = Set(template.names + [signature.key] + signature.message.compactMap { if case .credential(let field) = $0 { field } else { nil } })
                .subtracting(["signature", "timestamp"])
            let missing = fields.sorted().filter { secret($0) == nil }
            guard missing.isEmpty, let key = secret(signature.key) else {
                return .invalid("the \(missing.map { "\(name).\($0)" }.joined(separator: ", ")) credentials to check it with are not configured")
            }
            let message = signature.message { part -> [UInt8]? in
                switch part {
                case .body: webhook.body
                case .timestamp: timestamp.map { Array($0.utf8) }
                case .literal(let text): Array(text.utf8)
                case .credential(let field): secret(field)
                case .header(let name): webhook.header(name).map { Array($0.utf8) }
                case .method, .path, .query, .nonce: nil
                }
            }
            guard let message else { return .invalid("the webhook lacks a header its signature covers") }
            let computed = signature.signature(of: message, key: key)
            let expected = template.filled { name in
                switch name {
                case "signature": computed
                case "timestamp": timestamp
                default: secret(name).map { String(decoding: $0, as: UTF8.self) }
                }
            }
            guard let expected, ConstantTime.equal(received, expected) else { return .invalid("the \(header) signature does not match") }
            return .valid
        case .header(let headerName, let field):
            guard let received = webhook.header(headerName) else { return .invalid("no \(headerName) header") }
            guard let expected = secret(field) else { return notConfigured(field) }
            return ConstantTime.equal(received, String(decoding: expected, as: UTF8.self)) ? .valid : .invalid("the \(headerName) header does not match")
        case .basic(let username, let password):
            guard let user = secret(username), let pass = secret(password) else { return notConfigured(username, password) }
            return webhook.verifyBasic(user: user, password: pass)
        }
    }

    /// The event's type and id where the definition says they are; Standard Webhooks and Stripe
    /// have their own places when it does not.
    public func describe(_ webhook: IncomingWebhook) -> WebhookDescription {
        guard let rules = definition.webhooks else { return WebhookDescription(type: "webhook") }
        let body = try? JSONValue.parse(webhook.body)
        func read(_ source: FieldSource?) -> String? {
            switch source {
            case .body(let path)?: body.flatMap { path.find(in: $0) }?.string
            case .header(let name)?: webhook.header(name)
            case nil: nil
            }
        }
        var type = read(rules.type)
        var id = read(rules.id)
        switch rules.scheme {
        case .standard:
            type = type ?? body?["type"]?.string
            id = id ?? webhook.header("webhook-id")
        case .stripe:
            type = type ?? body?["type"]?.string
            id = id ?? body?["id"]?.string
        default: break
        }
        return WebhookDescription(type: type.flatMap { $0.isEmpty ? nil : $0 } ?? "webhook", id: id)
    }

    /// Headers whose values are secrets: a static header's, Basic's; never a signature's.
    public var webhookSecretHeaders: Set<String> {
        switch definition.webhooks?.scheme {
        case .header(let name, _)?: ["authorization", name.lowercased()]
        // A signature header whose template also holds a credential carries it in the clear.
        case .hmac(_, let header, let value, _)? where value.names.contains(where: { $0 != "signature" && $0 != "timestamp" }):
            ["authorization", header.lowercased()]
        default: ["authorization"]
        }
    }
}
