// payrun's own settings file, `$XDG_CONFIG_HOME/payrun/config.toml` (or `$PAYRUN_CONFIG`): what an
// operator sets once for every run instead of on each command line. Today that is the hosts
// `payrun.http` may reach:
//
//     allow_hosts = ["hooks.slack.com=slack", "tickets.example.com:8443"]
//
// A small subset of TOML, read strictly: comments, and arrays of strings (on one line or many).
import Glibc
import PayrunRuntime

struct ConfigFile {
    /// The `allow_hosts` entries, read as `--allow-host` reads its values.
    var allowedHosts: [AllowedHosts.Entry] = []

    /// `$PAYRUN_CONFIG`, else `config.toml` in payrun's config folder.
    static func path(environment: [String: String]) -> String? {
        environment["PAYRUN_CONFIG"] ?? UserDirectory.config.path(of: "config.toml", environment: environment)
    }

    /// A setting the file has that cannot be read.
    struct Invalid: Error, CustomStringConvertible {
        let path: String
        let line: Int
        let problem: String
        var description: String { "\(path):\(line): \(problem)" }
    }

    /// Reads the file at `path`; no file is no settings (`PAYRUN_CONFIG=/nonexistent` is how a
    /// run is kept from the operator's settings).
    static func load(path: String) throws -> ConfigFile {
        guard access(path, F_OK) == 0 else { return ConfigFile() }
        let bytes: [UInt8]
        do {
            bytes = try FileContents.read(path, limit: 1 << 20)
        } catch {
            throw Invalid(path: path, line: 0, problem: "cannot be read (\(error))")
        }
        return try parse(String(decoding: bytes, as: UTF8.self), path: path)
    }

    static func parse(_ text: String, path: String) throws(Invalid) -> ConfigFile {
        var config = ConfigFile()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Self.withoutComment($0) }
        var number = 0
        while number < lines.count {
            let start = number + 1
            var line = lines[number]
            number += 1
            guard !line.isEmpty else { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw Invalid(path: path, line: start, problem: "expected `name = value`")
            }
            let key = line[..<equals].trimmed
            guard key == "allow_hosts" else {
                throw Invalid(path: path, line: start, problem: "unknown setting '\(key)' (payrun knows allow_hosts)")
            }
            // An array may go on over the next lines, up to its `]`.
            while !line.hasSuffix("]"), number < lines.count {
                line += " " + lines[number]
                number += 1
            }
            let value = line[line.index(after: equals)...].trimmed
            guard let strings = Self.strings(in: value) else {
                throw Invalid(path: path, line: start, problem: "allow_hosts must be a list of strings, like [\"hooks.slack.com=slack\", \"127.0.0.1:8080\"]")
            }
            for string in strings {
                do {
                    config.allowedHosts += try AllowedHosts(parsing: [string]).entries
                } catch {
                    // The line of the entry, in an array over many lines.
                    let entry = (start - 1..<number).first { lines[$0].contains("\"\(string)\"") }.map { $0 + 1 } ?? start
                    throw Invalid(path: path, line: entry, problem: error.description)
                }
            }
        }
        return config
    }

    /// The line without a `#` comment (hosts have no `#`) or surrounding blanks.
    private static func withoutComment(_ line: Substring) -> String {
        let code = line.prefix { $0 != "#" }
        return code.trimmed
    }

    /// `["a", "b"]` as its strings; nil for anything else.
    private static func strings(in value: String) -> [String]? {
        var rest = Substring(value)
        guard rest.popFirst() == "[" else { return nil }
        var strings: [String] = []
        while true {
            rest = rest.drop { $0.isWhitespace }
            if rest.first == "]" { return rest.dropFirst().allSatisfy(\.isWhitespace) ? strings : nil }
            guard rest.popFirst() == "\"", let close = rest.firstIndex(of: "\"") else { return nil }
            strings.append(String(rest[..<close]))
            rest = rest[rest.index(after: close)...].drop { $0.isWhitespace }
            if rest.first == "," { rest.removeFirst() } else if rest.first != "]" { return nil }
        }
    }
}

extension StringProtocol {
    /// Without blanks at either end.
    fileprivate var trimmed: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
