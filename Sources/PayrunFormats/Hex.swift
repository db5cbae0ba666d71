// Lower-case hexadecimal, as Capitalist's encrypted passwords, PIN digests and key moduli are
// written.

public enum Hex {
    /// Two lower-case digits a byte.
    public static func string(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
