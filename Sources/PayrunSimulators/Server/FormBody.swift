// Form bodies as clients send them: `application/x-www-form-urlencoded` (OAuth token requests,
// Capitalist's operations) and `multipart/form-data` (what PHP's curl sends for an array of fields).
import PayrunFormats

enum FormBody {
    /// The fields of `body` sent with `contentType`; nil when it is neither kind of form.
    static func fields(_ body: [UInt8], contentType: String?) -> [String: String]? {
        let type = contentType?.lowercased() ?? ""
        if type.hasPrefix("multipart/form-data") {
            guard let boundary = contentType?.split(separator: ";").lazy
                .map({ $0.trimming(" ") })
                .first(where: { $0.lowercased().hasPrefix("boundary=") })?.dropFirst("boundary=".count)
            else { return nil }
            return multipart(body, boundary: String(boundary).trimming("\""))
        }
        return urlEncoded(String(decoding: body, as: UTF8.self))
    }

    /// `a=1&b=x%20y` (`+` is a space); a repeated name keeps its last value.
    static func urlEncoded(_ text: String) -> [String: String] {
        Dictionary(FormEncoding.fields(text), uniquingKeysWith: { $1 })
    }

    /// Each part's `name` and its content, as text. Read as bytes: a combining mark after a quote
    /// or a line break would join them into one character and hide the part.
    private static func multipart(_ body: [UInt8], boundary: String) -> [String: String] {
        let blankLine: [UInt8] = Array("\r\n\r\n".utf8)
        let nameMarker: [UInt8] = Array("name=\"".utf8)
        var fields: [String: String] = [:]
        for part in body.split(separator: Array(("--" + boundary).utf8), omittingEmptySubsequences: false) {
            guard let split = part.firstRange(of: blankLine) else { continue }
            let head = part[..<split.lowerBound]
            var content = part[split.upperBound...]
            if content.suffix(2).elementsEqual("\r\n".utf8) { content = content.dropLast(2) }
            guard let nameStart = head.firstRange(of: nameMarker) else { continue }
            let name = head[nameStart.upperBound...].prefix { $0 != UInt8(ascii: "\"") }
            fields[String(decoding: name, as: UTF8.self)] = String(decoding: content, as: UTF8.self)
        }
        return fields
    }
}
