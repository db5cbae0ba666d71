// Particeep's signature (providers.md §1), client side: `PTP:` key `:` base64 of the lower-case
// hex of HMAC-SHA1(secret, secret + key + DateTime). Written apart from the simulator's, so a bug
// in one cannot hide in the other.
import Crypto
import FoundationEssentials

public enum ParticeepRequestSigner {
    /// The `Authorization` header's value.
    public static func authorization(key: String, secret: String, dateTime: String) -> String {
        let message = Array((secret + key + dateTime).utf8)
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        var hex = ""
        for byte in mac {
            hex += String(byte >> 4, radix: 16) + String(byte & 0xF, radix: 16)
        }
        return "PTP:\(key):" + Data(hex.utf8).base64EncodedString()
    }
}
