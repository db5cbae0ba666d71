// Particeep's signature (providers.md §1), client side: `PTP:` key `:` base64 of the lower-case
// hex of HMAC-SHA1(secret, secret + key + DateTime). Written apart from the simulator's, so a bug
// in one cannot hide in the other.
import Crypto
import FoundationEssentials
import PayrunFormats
import PayrunLocks

public enum ParticeepRequestSigner {
    /// The `Authorization` header's value.
    public static func authorization(key: String, secret: String, dateTime: String) -> String {
        var hmac = keyed(with: secret)
        hmac.update(data: Array((secret + key + dateTime).utf8))
        let mac = hmac.finalize()
        // Built from bytes: `String(_:radix:)` a digit at a time and `Data(some Sequence)` (a
        // dynamic cast) cost more than the HMAC itself, on every request.
        let hex = Array(Hex.string(mac).utf8)
        return "PTP:\(key):" + hex.withUnsafeBufferPointer { Data(buffer: $0) }.base64EncodedString()
    }

    /// The HMAC set up with the last secret signed with. Setting up a key cost as much as the
    /// rest of a signature (14K instructions), and a script signs every request with the same
    /// one. The cache holds the secret only in this process's memory, where the credential store
    /// holds it too.
    private static let lastKeyed = Locked<(secret: String, hmac: HMAC<Insecure.SHA1>)?>(nil)

    private static func keyed(with secret: String) -> HMAC<Insecure.SHA1> {
        // Compared byte for byte: `==` would take a canonically equivalent secret for this one.
        if let hmac = lastKeyed.withLock({ $0.flatMap { $0.secret.utf8.elementsEqual(secret.utf8) ? $0.hmac : nil } }) { return hmac }
        let hmac = HMAC<Insecure.SHA1>(key: SymmetricKey(data: Array(secret.utf8)))
        lastKeyed.withLock { $0 = (secret, hmac) }
        return hmac
    }
}
