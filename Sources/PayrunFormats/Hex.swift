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
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(digit(byte >> 4))
            text.append(digit(byte & 0xF))
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The lower-case digit of `value` (0 to 15).
    @inlinable
    public static func digit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}
