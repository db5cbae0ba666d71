// Keys for operations that must happen once: a re-run of a script derives the same key from the
// same inputs (`payrun.uuid("onboard", email)`), so the provider recognises the repeat
// (Tradevest's externalId, Peex's track_id, a Capitalist payment number).
import Crypto
import PayrunFormats

/// UUIDs, random or derived from names.
enum OperationKey {
    /// payrun's namespace for name-based UUIDs (RFC 9562 version 5).
    private static let namespace: [UInt8] = [
        0x5c, 0x1e, 0x9a, 0x3d, 0x7b, 0x42, 0x4f, 0x0e, 0x9d, 0x61, 0x2a, 0x8c, 0x4e, 0x17, 0xb3, 0xf5,
    ]

    /// A random UUID (version 4).
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        return text(bytes)
    }

    /// The UUID (version 5) of `parts`: the same parts, the same UUID, on any machine. Parts are
    /// joined with a separator no text contains, so ("a", "bc") and ("ab", "c") differ.
    static func named(_ parts: [String]) -> String {
        let name = Array(parts.joined(separator: "\u{1F}").utf8)
        var bytes = Array(Insecure.SHA1.hash(data: namespace + name).prefix(16))
        bytes[6] = bytes[6] & 0x0F | 0x50
        bytes[8] = bytes[8] & 0x3F | 0x80
        return text(bytes)
    }

    /// `8-4-4-4-12` groups of hex digits.
    private static func text(_ bytes: [UInt8]) -> String {
        let hex = Array(Hex.string(bytes))
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(hex[$0]) }.joined(separator: "-")
    }
}
