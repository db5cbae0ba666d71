// payrun's HMAC with a prepared key (`KeyedHMAC`), held against swift-crypto's own `HMAC` and
// RFC 2202's and RFC 4231's published values: every signature a provider sends depends on it.
import Crypto
import PayrunProviderKit
import Testing

@Suite struct KeyedHMACTests {
    func reference(_ message: [UInt8], key: [UInt8], _ algorithm: HMACAlgorithm) -> [UInt8] {
        let key = SymmetricKey(data: key)
        return switch algorithm {
        case .sha1: Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: key))
        case .sha256: Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
        case .sha512: Array(HMAC<SHA512>.authenticationCode(for: message, using: key))
        }
    }

    func hex(_ bytes: [UInt8]) -> String { bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined() }

    @Test func matchesTheRFCsValues() {
        let keyed = KeyedHMAC()
        // RFC 2202, test case 2, and RFC 4231, test case 2: "Jefe".
        let message = Array("what do ya want for nothing?".utf8)
        #expect(hex(keyed.authenticationCode(message, key: Array("Jefe".utf8), algorithm: .sha1)) == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
        #expect(hex(keyed.authenticationCode(message, key: Array("Jefe".utf8), algorithm: .sha256))
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // RFC 2202, test case 6: a key longer than a block is hashed first.
        #expect(hex(keyed.authenticationCode(Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
                                             key: [UInt8](repeating: 0xaa, count: 80), algorithm: .sha1))
            == "aa4ae5e15272d00e95705637ce8a3b55ed402112")
    }

    @Test func matchesSwiftCryptoForEveryKeyLength() {
        var generator = SystemRandomNumberGenerator()
        let keyed = KeyedHMAC()
        for algorithm in HMACAlgorithm.allCases {
            // Empty, short, one short of a block, a block (64 or 128 bytes), and longer.
            for keyLength in [0, 1, 20, 63, 64, 65, 127, 128, 129, 300] {
                let key = (0..<keyLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
                for messageLength in [0, 1, 55, 56, 64, 200] {
                    let message = (0..<messageLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
                    // Twice: the second time the key's prepared state is reused.
                    #expect(keyed.authenticationCode(message, key: key, algorithm: algorithm) == reference(message, key: key, algorithm))
                    #expect(keyed.authenticationCode(message, key: key, algorithm: algorithm) == reference(message, key: key, algorithm),
                            "\(algorithm), key of \(keyLength), message of \(messageLength)")
                }
            }
        }
    }
}
