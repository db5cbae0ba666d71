// Particeep's signature (providers.md §1), client side: `PTP:` key `:` base64 of the lower-case
// hex of HMAC-SHA1(secret, secret + key + DateTime). Written apart from the simulator's, so a bug
// in one cannot hide in the other.
import PayrunFormats
import PayrunLocks
import PayrunProviderKit

public enum ParticeepRequestSigner {
    /// The `Authorization` header's value.
    public static func authorization(key: String, secret: String, dateTime: String) -> String {
        computed(key: key, secret: secret, dateTime: dateTime)
    }

    /// The `DateTime` and `Authorization` headers of a request signed at `seconds` (since 1970).
    /// DateTime has whole seconds, so the requests a script sends in one second with one key
    /// all carry the same two values: they are made once a second, not for each request (the
    /// HMAC was 6K of a GET's 89K instructions; the date's text and the secrets as strings
    /// another 2K).
    public static func headers(key: Secret, secret: Secret, at seconds: Int) -> (dateTime: String, authorization: String) {
        if let cached = last.withLock({ $0 }), cached.seconds == seconds, cached.key == key, cached.secret == secret {
            return (cached.dateTime, cached.authorization)
        }
        let dateTime = UTCTime.text(seconds)
        let authorization = key.withBytes { key in
            secret.withBytes { secret in
                computed(key: String(decoding: key, as: UTF8.self), secret: String(decoding: secret, as: UTF8.self), dateTime: dateTime)
            }
        }
        last.withLock { $0 = Signed(key: key, secret: secret, seconds: seconds, dateTime: dateTime, authorization: authorization) }
        return (dateTime, authorization)
    }

    private static func computed(key: String, secret: String, dateTime: String) -> String {
        // Built as bytes, each part once: `String(_:radix:)` a digit at a time, and concatenated
        // `String`s turned into `Data` for Foundation's Base64, cost more than the HMAC itself,
        // on every request.
        var message: [UInt8] = []
        message.reserveCapacity(secret.utf8.count + key.utf8.count + dateTime.utf8.count)
        message += secret.utf8
        message += key.utf8
        message += dateTime.utf8
        let mac = keyed.authenticationCode(message, key: Array(secret.utf8), algorithm: .sha1)
        var hex: [UInt8] = []
        Hex.append(mac, to: &hex)
        var text: [UInt8] = []
        text.reserveCapacity(5 + key.utf8.count + (hex.count + 2) / 3 * 4)
        text += "PTP:".utf8
        text += key.utf8
        text.append(UInt8(ascii: ":"))
        hex.withUnsafeBytes { Base64.append($0, to: &text) }
        return String(decoding: text, as: UTF8.self)
    }

    /// The last headers made, and what they were made from: the secrets are compared as bytes,
    /// in this process only, and never leave it.
    private struct Signed {
        let key: Secret
        let secret: Secret
        let seconds: Int
        let dateTime: String
        let authorization: String
    }

    private static let last = Locked<Signed?>(nil)

    /// The HMAC set up with the last secret signed with (a script signs every request with the
    /// same one).
    private static let keyed = KeyedHMAC()
}
