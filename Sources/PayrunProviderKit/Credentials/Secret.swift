// A credential's value, which prints as a marker wherever Swift would show it.

/// The bytes of a secret. Printing, interpolating or dumping one shows a marker, never the value;
/// the bytes come out only through ``withBytes(_:)``, for signing and sending to the provider.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    private let bytes: [UInt8]

    public init(_ value: String) {
        bytes = Array(value.utf8)
    }

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Runs `body` with the secret's bytes. Keep them inside it.
    public func withBytes<Result>(_ body: ([UInt8]) throws -> Result) rethrows -> Result {
        try body(bytes)
    }

    public var isEmpty: Bool { bytes.isEmpty }
    public var count: Int { bytes.count }

    public var description: String { "[secret]" }
    public var debugDescription: String { "[secret]" }

    /// How `payrun credentials list` shows it: the first and last two characters of a secret as
    /// long as an API key, nothing of a shorter one (a password of 12 showed a third of itself).
    public var hint: String {
        guard bytes.count >= 24 else { return "•••• (\(bytes.count) bytes)" }
        let text = String(decoding: bytes, as: UTF8.self)
        return "\(text.prefix(2))…\(text.suffix(2)) (\(bytes.count) bytes)"
    }
}
