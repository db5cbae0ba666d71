// Base64 (RFC 4648: the standard alphabet, padded) written as bytes: Foundation's
// `Data.base64EncodedString()`, with the `Data` made for it, cost 2K instructions for the 40
// bytes of a Particeep signature, on every request.

public enum Base64 {
    /// Appends the encoding of `bytes` to `text`.
    public static func append(_ bytes: UnsafeRawBufferPointer, to text: inout [UInt8]) {
        let start = text.count
        // Room for every digit, made of padding: what the last group leaves unwritten is its "=".
        text.append(contentsOf: repeatElement(UInt8(ascii: "="), count: (bytes.count + 2) / 3 * 4))
        let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        alphabet.withUTF8Buffer { digit in
            text.withUnsafeMutableBufferPointer { text in
                var index = 0
                var out = start
                while index < bytes.count {
                    let left = bytes.count - index
                    let group = UInt32(bytes[index]) << 16
                        | (left > 1 ? UInt32(bytes[index + 1]) << 8 : 0)
                        | (left > 2 ? UInt32(bytes[index + 2]) : 0)
                    text[out] = digit[Int(group >> 18)]
                    text[out + 1] = digit[Int(group >> 12 & 63)]
                    if left > 1 { text[out + 2] = digit[Int(group >> 6 & 63)] }
                    if left > 2 { text[out + 3] = digit[Int(group & 63)] }
                    index += 3
                    out += 4
                }
            }
        }
    }

    /// The encoding of `bytes`.
    public static func string(_ bytes: [UInt8]) -> String {
        var text: [UInt8] = []
        bytes.withUnsafeBytes { append($0, to: &text) }
        return String(decoding: text, as: UTF8.self)
    }
}
