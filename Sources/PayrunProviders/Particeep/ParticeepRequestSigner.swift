// Particeep's signature (providers.md §1), client side: `PTP:` key `:` base64 of the lower-case
// hex of HMAC-SHA1(secret, secret + key + DateTime). Written apart from the simulator's, so a bug
// in one cannot hide in the other.
import PayrunFormats
import PayrunProviderKit

public enum ParticeepRequestSigner {
    /// The `Authorization` header's value.
    public static func authorization(key: String, secret: String, dateTime: String) -> String {
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

    /// The HMAC set up with the last secret signed with (a script signs every request with the
    /// same one).
    private static let keyed = KeyedHMAC()
}
