// The credentials file's text: the small part of TOML it needs, read and written.

/// `credentials.toml`: one table per environment and provider, string values only.
///
/// ```toml
/// [live.particeep]
/// api_key = "pk_live_..."
/// api_secret = "..."
/// ```
enum CredentialFile {
    struct SyntaxError: Error, CustomStringConvertible {
        let line: Int
        let problem: String
        var description: String { "line \(line): \(problem)" }
    }

    static func parse(_ text: String) throws(SyntaxError) -> [PayrunEnvironment: [CredentialName: Secret]] {
        var entries: [PayrunEnvironment: [CredentialName: Secret]] = [:]
        var section: (PayrunEnvironment, String)?
        // Lines split on scalars, not characters: "\r\n" is one Character, and so is "\n" followed
        // by a combining mark; splitting on Character "\n" would read a CRLF file as one line.
        for (offset, scalars) in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = offset + 1
            let content = Substring(scalars).drop { $0 == " " || $0 == "\t" }
            if content.isEmpty || content.hasPrefix("#") || content == "\r" { continue }
            if content.hasPrefix("[") {
                section = try header(content, line: line)
                continue
            }
            guard let (environment, provider) = section else {
                throw SyntaxError(line: line, problem: "a key before any [environment.provider] table")
            }
            guard let equals = content.firstIndex(of: "=") else {
                throw SyntaxError(line: line, problem: "expected key = \"value\"")
            }
            let key = content[..<equals].trimmingSpaces()
            guard let name = CredentialName("\(provider).\(key)") else {
                throw SyntaxError(line: line, problem: "'\(key)' is not a field name (lower-case letters, digits, _ and -)")
            }
            let value = try string(content[content.index(after: equals)...].trimmingSpaces(), line: line)
            entries[environment, default: [:]][name] = Secret(value)
        }
        return entries
    }

    private static func header(_ content: Substring, line: Int) throws(SyntaxError) -> (PayrunEnvironment, String) {
        let inner = content.trimmingSpaces()
        guard inner.hasSuffix("]") else { throw SyntaxError(line: line, problem: "expected ] to close the table name") }
        let parts = inner.dropFirst().dropLast().split(separator: ".", omittingEmptySubsequences: false).map { $0.trimmingSpaces() }
        guard parts.count == 2, let environment = PayrunEnvironment(rawValue: String(parts[0])),
            CredentialName.isWord(Substring(parts[1]))
        else {
            throw SyntaxError(line: line, problem: "expected [environment.provider] with environment sandbox, test or live")
        }
        return (environment, String(parts[1]))
    }

    /// A basic ("...", with escapes) or literal ('...') string, and nothing after it but a comment.
    /// Read scalar by scalar: a combining mark after a quote or an escape's letter must not join
    /// them into one character. Errors never quote the value: it is a secret.
    private static func string(_ text: Substring, line: Int) throws(SyntaxError) -> String {
        let scalars = text.unicodeScalars
        guard let quote = scalars.first, quote == "\"" || quote == "'" else {
            throw SyntaxError(line: line, problem: "values must be quoted strings")
        }
        var value = String.UnicodeScalarView()
        var index = scalars.index(after: scalars.startIndex)
        while index < scalars.endIndex {
            let scalar = scalars[index]
            if scalar == quote {
                let rest = Substring(scalars[scalars.index(after: index)...]).trimmingSpaces()
                guard rest.isEmpty || rest.hasPrefix("#") else {
                    throw SyntaxError(line: line, problem: "unexpected text after the value")
                }
                return String(value)
            }
            if scalar == "\\" && quote == "\"" {
                index = scalars.index(after: index)
                guard index < scalars.endIndex else { break }
                switch scalars[index] {
                case "n": value.append("\n")
                case "t": value.append("\t")
                case "r": value.append("\r")
                case "\"": value.append("\"")
                case "\\": value.append("\\")
                case "u":
                    let digits = scalars[scalars.index(after: index)...].prefix(4)
                    guard digits.count == 4, digits.allSatisfy(\.properties.isASCIIHexDigit),
                        let code = UInt32(String(String.UnicodeScalarView(digits)), radix: 16), let decoded = Unicode.Scalar(code)
                    else {
                        throw SyntaxError(line: line, problem: "\\u needs four hex digits")
                    }
                    value.append(decoded)
                    index = scalars.index(index, offsetBy: 4)
                default:
                    throw SyntaxError(line: line, problem: "unknown escape after \\ (known: \\n \\t \\r \\\" \\\\ \\uXXXX)")
                }
            } else {
                value.append(scalar)
            }
            index = scalars.index(after: index)
        }
        throw SyntaxError(line: line, problem: "the string is not closed")
    }

    /// The file's text for `entries`, sorted so that a rewrite changes only what changed.
    static func render(_ entries: [PayrunEnvironment: [CredentialName: Secret]]) -> String {
        var text = "# payrun credentials: readable by you only (chmod 600). Edit with `payrun credentials`.\n"
        for environment in PayrunEnvironment.allCases {
            let names = (entries[environment] ?? [:]).keys.sorted()
            for provider in Set(names.map(\.provider)).sorted() {
                text += "\n[\(environment).\(provider)]\n"
                for name in names where name.provider == provider {
                    let value = entries[environment]![name]!.withBytes { String(decoding: $0, as: UTF8.self) }
                    text += "\(name.field) = \(quoted(value))\n"
                }
            }
        }
        return text
    }

    private static func quoted(_ value: String) -> String {
        var text = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\t": text += "\\t"
            case "\r": text += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text + "\""
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        var trimmed = self
        while let first = trimmed.first, isSpace(first) { trimmed = trimmed.dropFirst() }
        while let last = trimmed.last, isSpace(last) { trimmed = trimmed.dropLast() }
        return trimmed
    }
}
