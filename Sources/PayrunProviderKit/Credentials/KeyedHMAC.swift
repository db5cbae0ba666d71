// An HMAC whose key is set up once: setting up a key costs as much as signing a request (14K
// instructions), and a provider signs every request with the same one. The last key is kept (in
// this process's memory, where the credential store holds it too) and matched byte for byte, so
// a canonically equivalent string is not taken for it.
import Crypto
import PayrunLocks

/// The hash functions a provider's HMAC may use.
public enum HMACAlgorithm: String, Sendable, CaseIterable {
    case sha1, sha256, sha512
}

/// The keyed state of one signer's last HMAC key.
public final class KeyedHMAC: Sendable {
    private enum State {
        case sha1(HMAC<Insecure.SHA1>)
        case sha256(HMAC<SHA256>)
        case sha512(HMAC<SHA512>)
    }

    private let last = Locked<(algorithm: HMACAlgorithm, key: [UInt8], state: State)?>(nil)

    public init() {}

    /// The HMAC of `message` with `key`.
    public func authenticationCode(_ message: [UInt8], key: [UInt8], algorithm: HMACAlgorithm) -> [UInt8] {
        let state = last.withLock { last -> State? in
            guard let last, last.algorithm == algorithm, last.key == key else { return nil }
            return last.state
        } ?? {
            let fresh: State = switch algorithm {
            case .sha1: .sha1(HMAC<Insecure.SHA1>(key: SymmetricKey(data: key)))
            case .sha256: .sha256(HMAC<SHA256>(key: SymmetricKey(data: key)))
            case .sha512: .sha512(HMAC<SHA512>(key: SymmetricKey(data: key)))
            }
            last.withLock { $0 = (algorithm, key, fresh) }
            return fresh
        }()
        switch state {
        case .sha1(var hmac):
            hmac.update(data: message)
            return hmac.finalize().withUnsafeBytes { Array($0) }
        case .sha256(var hmac):
            hmac.update(data: message)
            return hmac.finalize().withUnsafeBytes { Array($0) }
        case .sha512(var hmac):
            hmac.update(data: message)
            return hmac.finalize().withUnsafeBytes { Array($0) }
        }
    }
}
