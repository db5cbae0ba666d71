// The hosts besides the providers a script may reach with `payrun.http`, and whose credentials
// each may receive: what `--allow-host` and the config file say. Nothing is allowed by default,
// so a script cannot send anything (a report, a credential) anywhere its operator did not name.
import PayrunFormats

/// The hosts `payrun.http` may reach.
public struct AllowedHosts: Sendable, Equatable {
    /// One allowed host: `HOST[:PORT][=SERVICE,...]`.
    public struct Entry: Sendable, Equatable, CustomStringConvertible {
        /// Lower-case, without a trailing dot; an IPv6 address in brackets.
        public let host: String
        /// Nil: the scheme's own port (443 for https, 80 for http).
        public let port: Int?
        /// The services whose credentials (`payrun.credential("slack", "token")`) may go to
        /// this host in a header, the query or the body.
        public let services: [String]

        public init(host: String, port: Int? = nil, services: [String] = []) {
            self.host = host.lowercased()
            self.port = port
            self.services = services
        }

        /// Reads `HOST[:PORT][=SERVICE,...]`, as `--allow-host` takes it.
        public init(parsing text: String) throws(InvalidEntry) {
            let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let address = parts[0].trimming(" ")
            if address.contains("://") || address.contains("/") {
                throw InvalidEntry(text: text, reason: "give the host alone, without a scheme or path, like hooks.slack.com or 127.0.0.1:8080")
            }
            guard let authority = CredentialScope.authority(of: "https://" + address), !address.isEmpty else {
                throw InvalidEntry(text: text, reason: "expected HOST or HOST:PORT, like hooks.slack.com or 127.0.0.1:8080")
            }
            guard authority.host != "*", authority.host.allSatisfy(Self.isHostCharacter) else {
                throw InvalidEntry(text: text, reason: "'\(authority.host)' is not a host name or address")
            }
            var services: [String] = []
            if parts.count == 2 {
                services = parts[1].split(separator: ",").map { $0.trimming(" ") }
                guard !services.isEmpty, services.allSatisfy({ CredentialName.isWord(Substring($0)) }) else {
                    throw InvalidEntry(text: text, reason: "after '=' come the services whose credentials may go there, like =slack or =pagerduty,opsgenie")
                }
            }
            self.init(host: authority.host, port: authority.port, services: services)
        }

        static func isHostCharacter(_ character: Character) -> Bool {
            character.isLetter || character.isNumber || "-.[]:_".contains(character)
        }

        /// As `--allow-host` takes it.
        public var description: String {
            host + (port.map { ":\($0)" } ?? "") + (services.isEmpty ? "" : "=" + services.joined(separator: ","))
        }

        /// Whether a request to `authority` goes to this entry's host and port.
        func matches(_ authority: CredentialScope.Authority) -> Bool {
            authority.host == host && authority.effectivePort == (port ?? authority.defaultPort)
        }
    }

    /// An `--allow-host` value (or config line) that cannot be read.
    public struct InvalidEntry: Error, Sendable, CustomStringConvertible {
        public let text: String
        public let reason: String
        public var description: String { "'\(text)' is not an allowed host: \(reason)" }
    }

    public let entries: [Entry]

    public init(_ entries: [Entry] = []) {
        self.entries = entries
    }

    /// Reads each of `texts` as an entry.
    public init(parsing texts: [String]) throws(InvalidEntry) {
        var entries: [Entry] = []
        for text in texts { entries.append(try Entry(parsing: text)) }
        self.init(entries)
    }

    /// Whether a request to `url` may be sent: an entry matches its host and port (and it is a
    /// plain absolute http(s) URL).
    public func allows(_ url: String) -> Bool {
        guard let authority = CredentialScope.authority(of: url) else { return false }
        return entries.contains { $0.matches(authority) }
    }

    /// Whether `service`'s credentials may go with a request to `url`: an entry for its host
    /// names the service, and the request is encrypted (or stays on this machine).
    public func allows(credentialsOf service: String, toward url: String) -> Bool {
        guard Self.isPrivate(url), let authority = CredentialScope.authority(of: url) else { return false }
        return entries.contains { $0.matches(authority) && $0.services.contains(service) }
    }

    /// Whether what goes to `url` is out of others' sight: it is https, or stays on this machine.
    public static func isPrivate(_ url: String) -> Bool {
        guard let authority = CredentialScope.authority(of: url) else { return false }
        return authority.scheme == "https" || CredentialScope.isLoopback(authority.host)
    }

    /// What `--allow-host` needs to let `url` through (`host` or `host:port`, the port only when
    /// it is not the scheme's own), or nil when `url` is not a plain absolute http(s) URL.
    public static func entryText(for url: String) -> String? {
        guard let authority = CredentialScope.authority(of: url), authority.host.allSatisfy(Entry.isHostCharacter) else { return nil }
        return authority.effectivePort == authority.defaultPort ? authority.host : "\(authority.host):\(authority.effectivePort)"
    }
}

extension CredentialScope.Authority {
    var defaultPort: Int { scheme == "https" ? 443 : 80 }
    var effectivePort: Int { port ?? defaultPort }
}
