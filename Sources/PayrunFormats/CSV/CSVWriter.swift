// CSV written as RFC 4180 reads it: a field is quoted only when it must be (it holds the
// separator, a quote, a line break, begins or ends with a space, or begins with a byte order
// mark), quotes doubled inside.

public enum CSVWriter {
    /// One record's line, ending in CRLF as RFC 4180 has it.
    public static func line(_ fields: [String], separator: UInt8 = UInt8(ascii: ",")) -> String {
        var text = ""
        for (index, field) in fields.enumerated() {
            if index > 0 { text.unicodeScalars.append(Unicode.Scalar(separator)) }
            text += quoted(field, separator: separator)
        }
        return text + "\r\n"
    }

    /// `field` as it must be written between separators.
    public static func quoted(_ field: String, separator: UInt8 = UInt8(ascii: ",")) -> String {
        let needsQuotes = field.utf8.contains { $0 == separator || $0 == UInt8(ascii: "\"") || $0 == 0x0D || $0 == 0x0A }
            || field.utf8.first == 0x20 || field.utf8.last == 0x20
            // A byte order mark at the start of a file would be taken for the file's own.
            || field.utf8.starts(with: [0xEF, 0xBB, 0xBF])
        guard needsQuotes else { return field }
        var text = "\""
        for scalar in field.unicodeScalars {
            if scalar == "\"" { text += "\"" }
            text.unicodeScalars.append(scalar)
        }
        return text + "\""
    }
}
