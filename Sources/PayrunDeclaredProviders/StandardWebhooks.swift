// The Standard Webhooks signature (standardwebhooks.com): HMAC-SHA256 of `id.timestamp.body`,
// base64, with the secret's bytes from `whsec_` and base64.
import Crypto
import FoundationEssentials

enum StandardWebhooks {
    /// The key in a stored secret: base64 after an optional `whsec_` prefix.
    static func key(from secret: [UInt8]) -> [UInt8]? {
        let text = String(decoding: secret, as: UTF8.self)
        let encoded = text.hasPrefix("whsec_") ? String(text.dropFirst(6)) : text
        return Data(base64Encoded: encoded).map { Array($0) }
    }

    /// The base64 signature of a message, without its `v1,` prefix.
    static func signature(id: String, timestamp: String, body: [UInt8], key: [UInt8]) -> String {
        let message = Array(id.utf8) + [UInt8(ascii: ".")] + Array(timestamp.utf8) + [UInt8(ascii: ".")] + body
        return Data(hmacSHA256(message, key: key)).base64EncodedString()
    }

    static func hmacSHA256(_ message: [UInt8], key: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }
}
