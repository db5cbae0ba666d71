// Lower-case hexadecimal, as Capitalist's encrypted passwords, PIN digests and key moduli are
// written.

public enum Hex {
    /// Two lower-case digits a byte.
    /// Inlinable so that each caller gets a copy specialized to its sequence: a generic one
    /// called across modules went through protocol witnesses for every byte (13K instructions
    /// for a 20-byte digest, on every Particeep request).
    @inlinable
    public static func string(_ bytes: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        append(bytes, to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// Appends the digits of `bytes` to `text`, as bytes (for a signature encoded further).
    @inlinable
    public static func append(_ bytes: some Sequence<UInt8>, to text: inout [UInt8]) {
        text.reserveCapacity(text.count + bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(digit(byte >> 4))
            text.append(digit(byte & 0xF))
        }
    }

    @inlinable
    @usableFromInline
    static func digit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}
