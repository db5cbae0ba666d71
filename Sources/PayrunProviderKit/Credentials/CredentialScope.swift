// The rule that keeps a credential on its way to its own provider and nowhere else.

/// Which hosts each provider's credentials may be sent to. Provider plugins declare their hosts
/// per environment; the HTTP layer asks ``allows(_:toward:)`` before attaching any credential.
public struct CredentialScope: Sendable {
    /// Provider name → the hosts (`host` or `host:port`, lower-case) its credentials may reach.
    public private(set) var hosts: [String: Set<String>] = [:]

    public init(_ hosts: [String: [String]] = [:]) {
        for (provider, list) in hosts { self.hosts[provider] = Set(list.map { $0.lowercased() }) }
    }

    /// Whether `name` may go with a request to `url`: only over HTTPS (plain HTTP only to the
    /// loopback simulators), only to a host its provider declared, and never to a URL that hides
    /// another host behind user information (`https://api.particeep.com@evil.example/`).
    public func allows(_ name: CredentialName, toward url: String) -> Bool {
        allows(provider: name.provider, toward: url)
    }

    /// Whether any of `provider`'s credentials may go with a request to `url`.
    public func allows(provider: String, toward url: String) -> Bool {
        guard let target = Self.authority(of: url), let allowed = hosts[provider] else { return false }
        if target.scheme == "http" && !Self.isLoopback(target.host) { return false }
        let port = target.port.map { ":\($0)" } ?? ""
        return allowed.contains(target.host + port) || target.port == nil && allowed.contains(target.host)
            || target.port == (target.scheme == "https" ? 443 : 80) && allowed.contains(target.host)
    }

    /// Whether `url` is plain HTTP to anywhere but this machine (or not an http(s) URL at all),
    /// where no credential may go, in any environment: the sandbox's own credentials included,
    /// which an operator may have set to values of their own.
    public static func isPlainBeyondThisMachine(_ url: String) -> Bool {
        guard let target = authority(of: url) else { return true }
        return target.scheme == "http" && !isLoopback(target.host)
    }

    /// `host` or `host:port` of an absolute http(s) URL, as ``allows(provider:toward:)``
    /// matches it: what a provider declares its hosts with.
    public static func host(of url: String) -> String? {
        authority(of: url).map { $0.host + ($0.port.map { ":\($0)" } ?? "") }
    }

    struct Authority: Equatable {
        let scheme: String
        let host: String
        let port: Int?
    }

    /// Scheme, host and port of an absolute http(s) URL; nil for anything else or anything odd.
    static func authority(of url: String) -> Authority? {
        guard let separator = url.range(of: "://") else { return nil }
        let scheme = url[..<separator.lowerBound].lowercased()
        guard scheme == "https" || scheme == "http" else { return nil }
        let rest = url[separator.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty, !authority.contains("@"), !authority.contains("\\"),
            authority.allSatisfy({ $0.isASCII && !$0.isWhitespace })
        else { return nil }
        var host = Substring(authority)
        var port: Int?
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            let digits = authority[authority.index(after: colon)...]
            guard digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let number = Int(digits), (1...65535).contains(number) else { return nil }
            port = number
            host = authority[..<colon]
        }
        var name = host.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty else { return nil }
        return Authority(scheme: scheme, host: name, port: port)
    }

    /// `localhost`, `[::1]` or an IPv4 address in 127.0.0.0/8 (not a name that starts with `127.`).
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "[::1]" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127"
            && parts.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy { $0.isASCII && $0.isNumber } && Int($0)! <= 255 }
    }
}

extension StringProtocol {
    fileprivate func range(of text: String) -> Range<Index>? {
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(text) { return index..<self.index(index, offsetBy: text.count) }
            index = self.index(after: index)
        }
        return nil
    }
}
