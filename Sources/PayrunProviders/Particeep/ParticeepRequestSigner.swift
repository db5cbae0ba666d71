// Particeep's signature (providers.md §1), client side: `PTP:` key `:` base64 of the lower-case
// hex of HMAC-SHA1(secret, secret + key + DateTime). Written apart from the simulator's, so a bug
// in one cannot hide in the other.
import FoundationEssentials
import PayrunFormats
import PayrunProviderKit

public enum ParticeepRequestSigner {
    /// The `Authorization` header's value.
    public static func authorization(key: String, secret: String, dateTime: String) -> String {
        let mac = keyed.authenticationCode(Array((secret + key + dateTime).utf8), key: Array(secret.utf8), algorithm: .sha1)
        // Built from bytes: `String(_:radix:)` a digit at a time and `Data(some Sequence)` (a
        // dynamic cast) cost more than the HMAC itself, on every request.
        let hex = Array(Hex.string(mac).utf8)
        return "PTP:\(key):" + hex.withUnsafeBufferPointer { Data(buffer: $0) }.base64EncodedString()
    }

    /// The HMAC set up with the last secret signed with (a script signs every request with the
    /// same one).
    private static let keyed = KeyedHMAC()
}
