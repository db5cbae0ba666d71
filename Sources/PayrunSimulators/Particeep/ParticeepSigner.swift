// Particeep's request signature (providers.md §1): PTP:key:base64(hex(HMAC-SHA1(secret, secret+key+DateTime))).
import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Signs with one key and secret; the simulator verifies every request with one, so the HMAC key
/// and the fixed part of the message are prepared once.
struct ParticeepSigner: Sendable {
    let key: String
    private let macKey: SymmetricKey
    /// secret + key: what every message starts with.
    private let prefix: [UInt8]

    init(key: String, secret: String) {
        self.key = key
        macKey = SymmetricKey(data: Array(secret.utf8))
        prefix = Array((secret + key).utf8)
    }

    /// The `Authorization` header for the `DateTime` header's text.
    func authorization(dateTime: String) -> String {
        var mac = HMAC<Insecure.SHA1>(key: macKey)
        mac.update(data: prefix)
        mac.update(data: Array(dateTime.utf8))
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(40)
        for byte in mac.finalize() {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0xF)])
        }
        return "PTP:\(key):" + Data(hex).base64EncodedString()
    }

    /// Compares without stopping at the first difference, so timing tells nothing.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        var a = a
        var b = b
        return a.withUTF8 { left in
            b.withUTF8 { right in
                var difference = UInt8(left.count == right.count ? 0 : 1)
                for index in 0..<max(left.count, right.count) {
                    difference |= (index < left.count ? left[index] : 0) ^ (index < right.count ? right[index] : 0)
                }
                return difference == 0
            }
        }
    }
}
