// A signature declared by parts: the algorithm, the key (a credential), the message as a list of
// parts, the encoding, and the headers it goes into. Declared once, used to sign requests and to
// check webhooks signed the same way.
import PayrunFormats
import PayrunProviderKit

/// An HMAC over parts of a request or webhook.
public struct HMACSignature: Sendable, Equatable {
    public typealias Algorithm = HMACAlgorithm

    public enum Encoding: String, Sendable, CaseIterable {
        /// Lower-case hex.
        case hex
        /// Upper-case hex.
        case hexUpper = "HEX"
        case base64
        /// Base64 of the lower-case hex text (Particeep's).
        case base64Hex = "base64_hex"
    }

    /// One part of the signed message.
    public enum Part: Sendable, Equatable {
        case method
        /// The URL's path, as sent (the base URL's path included).
        case path
        /// The query string as sent, without `?`; empty when there is none.
        case query
        case body
        case timestamp
        case nonce
        case credential(String)
        case literal(String)
        /// A header's value as sent (another the definition adds, such as a date, or the script's).
        case header(String)
    }

    /// How the time is written where it is signed and sent.
    public enum TimestampFormat: String, Sendable, CaseIterable {
        /// `2026-12-02T04:55:00Z`.
        case iso8601
        /// Seconds since 1970.
        case unix
        /// Milliseconds since 1970.
        case unixMilliseconds = "unix_ms"
    }

    public var algorithm: Algorithm
    /// The credential field that is the key.
    public var key: String
    public var message: [Part]
    /// Put between parts.
    public var separator: String
    public var encoding: Encoding
    public var timestampFormat: TimestampFormat

    /// The message for these values of its parts, bytes joined by the separator.
    func message(_ value: (Part) -> [UInt8]?) -> [UInt8]? {
        var bytes: [UInt8] = []
        for (index, part) in message.enumerated() {
            if index > 0 { bytes += separator.utf8 }
            guard let partBytes = value(part) else { return nil }
            bytes += partBytes
        }
        return bytes
    }

    /// The encoded signature of `message` with `key`; `keyed` keeps the key set up between calls
    /// (a signer's own, for every request it signs).
    func signature(of message: [UInt8], key: [UInt8], keyed: KeyedHMAC = KeyedHMAC()) -> String {
        Self.encode(keyed.authenticationCode(message, key: key, algorithm: algorithm), as: encoding)
    }

    static func encode(_ bytes: [UInt8], as encoding: Encoding) -> String {
        switch encoding {
        case .hex: Hex.string(bytes)
        case .hexUpper: Hex.string(bytes).uppercased()
        case .base64: Base64.string(bytes)
        case .base64Hex: base64Hex(bytes)
        }
    }

    /// Base64 of the lower-case hex digits of `bytes`, as Particeep's `PTP:` signature writes it.
    private static func base64Hex(_ bytes: [UInt8]) -> String {
        var hex: [UInt8] = []
        Hex.append(bytes, to: &hex)
        return Base64.string(hex)
    }

    static func timestamp(_ seconds: Double, as format: TimestampFormat) -> String {
        switch format {
        case .iso8601: UTCTime.text(Int(seconds))
        case .unix: String(Int(seconds))
        case .unixMilliseconds: String(Int(seconds * 1000))
        }
    }

    /// The time a received timestamp says, in seconds; nil when it is not in `format`.
    static func seconds(from text: String, as format: TimestampFormat) -> Int? {
        switch format {
        case .iso8601: UTCTime.seconds(from: text)
        case .unix: Int(text)
        case .unixMilliseconds: Int(text).map { $0 / 1000 }
        }
    }
}
