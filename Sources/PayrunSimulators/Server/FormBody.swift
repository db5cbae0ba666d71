// Form bodies as clients send them: `application/x-www-form-urlencoded` (OAuth token requests,
// Capitalist's operations) and `multipart/form-data` (what PHP's curl sends for an array of fields).
import PayrunFormats

enum FormBody {
    /// The fields of `body` sent with `contentType`; nil when it is neither kind of form.
    static func fields(_ body: [UInt8], contentType: String?) -> [String: String]? {
        let type = contentType?.lowercased() ?? ""
        if type.hasPrefix("multipart/form-data") {
            guard let boundary = contentType?.split(separator: ";").lazy
                .map({ $0.trimmingCharacters(in: " ") })
                .first(where: { $0.lowercased().hasPrefix("boundary=") })?.dropFirst("boundary=".count)
            else { return nil }
            return multipart(body, boundary: String(boundary).trimmingCharacters(in: "\""))
        }
        return urlEncoded(String(decoding: body, as: UTF8.self))
    }

    /// `a=1&b=x%20y` (`+` is a space); a repeated name keeps its last value.
    static func urlEncoded(_ text: String) -> [String: String] {
        Dictionary(FormEncoding.fields(text), uniquingKeysWith: { $1 })
    }

    /// Each part's `name` and its content, as text.
    private static func multipart(_ body: [UInt8], boundary: String) -> [String: String] {
        let text = String(decoding: body, as: UTF8.self)
        var fields: [String: String] = [:]
        for part in text.components(separatedBy: "--" + boundary) {
            guard let split = part.firstRange(of: "\r\n\r\n") else { continue }
            let head = part[..<split.lowerBound]
            var content = part[split.upperBound...]
            // "\r\n" is one Character.
            if content.hasSuffix("\r\n") { content = content.dropLast() }
            guard let nameStart = head.firstRange(of: "name=\"") else { continue }
            let name = head[nameStart.upperBound...].prefix { $0 != "\"" }
            fields[String(name)] = String(content)
        }
        return fields
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in characters: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, characters.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, characters.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }

    fileprivate func components(separatedBy separator: String) -> [Substring] {
        var parts: [Substring] = []
        var rest = Substring(self)
        while let range = rest.firstRange(of: separator) {
            parts.append(rest[..<range.lowerBound])
            rest = rest[range.upperBound...]
        }
        parts.append(rest)
        return parts
    }
}
