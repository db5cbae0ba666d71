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
        case sha1(PreparedHMAC<Insecure.SHA1>)
        case sha256(PreparedHMAC<SHA256>)
        case sha512(PreparedHMAC<SHA512>)
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
            case .sha1: .sha1(PreparedHMAC(key: key))
            case .sha256: .sha256(PreparedHMAC(key: key))
            case .sha512: .sha512(PreparedHMAC(key: key))
            }
            last.withLock { $0 = (algorithm, key, fresh) }
            return fresh
        }()
        return message.withUnsafeBytes { message in
            switch state {
            case .sha1(let hmac): hmac.authenticationCode(message)
            case .sha256(let hmac): hmac.authenticationCode(message)
            case .sha512(let hmac): hmac.authenticationCode(message)
            }
        }
    }
}

/// HMAC (RFC 2104) from swift-crypto's hash functions, with the hash states after the padded
/// key kept: swift-crypto's `HMAC` walks its message as generic `DataProtocol` regions and is
/// called through protocol witnesses, which cost twice the hashing itself for a short message.
/// The tests hold it against `HMAC` for every algorithm and key length.
struct PreparedHMAC<Hash: HashFunction>: @unchecked Sendable {
    /// The hash after the key XOR ipad, and after the key XOR opad.
    private let inner: Hash
    private let outer: Hash

    init(key: [UInt8]) {
        // A key longer than a block is hashed first; a shorter one padded with zeros.
        var block = key.count > Hash.blockByteCount ? Hash.hash(data: key).withUnsafeBytes { Array($0) } : key
        block += repeatElement(0, count: Hash.blockByteCount - block.count)
        var inner = Hash()
        var outer = Hash()
        block.map { $0 ^ 0x36 }.withUnsafeBytes { inner.update(bufferPointer: $0) }
        block.map { $0 ^ 0x5c }.withUnsafeBytes { outer.update(bufferPointer: $0) }
        self.inner = inner
        self.outer = outer
    }

    func authenticationCode(_ message: UnsafeRawBufferPointer) -> [UInt8] {
        var inner = self.inner
        inner.update(bufferPointer: message)
        var outer = self.outer
        inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        return outer.finalize().withUnsafeBytes { Array($0) }
    }
}
