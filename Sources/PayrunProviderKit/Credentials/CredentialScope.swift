// The rule that keeps a credential on its way to its own provider and nowhere else.
import Glibc
import PayrunFormats

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
        var url = url
        // Read in place: it runs before every request of the sandbox, whose URLs are nearly all
        // `http://127.0.0.1:PORT/...`; anything unusual goes the long way.
        let quick: Bool? = url.withUTF8 { bytes in
            if has(bytes, "https://", at: 0) { return authority(in: bytes) == nil }
            guard has(bytes, "http://", at: 0) else { return nil }
            // `127.0.0.1` or `localhost`, then the end, a path, or a port of digits and nothing
            // else: no user information hiding behind it.
            let hostEnd = has(bytes, "127.0.0.1", at: 7) ? 16 : has(bytes, "localhost", at: 7) ? 16 : 0
            guard hostEnd > 0 else { return nil }
            var index = hostEnd
            if index < bytes.count, bytes[index] == UInt8(ascii: ":") {
                let digits = index + 1
                index = digits
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
                // A port as the long way reads one; anything else goes that way.
                guard DecimalDigits.port(bytes[digits..<index]) != nil else { return nil }
            }
            guard index == bytes.count || bytes[index] == UInt8(ascii: "/") else { return nil }
            return false
        }
        if let quick { return quick }
        guard let target = authority(of: url) else { return true }
        return target.scheme == "http" && !isLoopback(target.host)
    }

    /// Whether `bytes` hold `text` from `offset` on.
    private static func has(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString, at offset: Int) -> Bool {
        guard offset + text.utf8CodeUnitCount <= bytes.count, let base = bytes.baseAddress else { return false }
        return memcmp(base + offset, text.utf8Start, text.utf8CodeUnitCount) == 0
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
    /// Read as bytes: it runs before every request that carries a credential, and walking the
    /// URL as `Character`s cost some 60K instructions a request.
    static func authority(of url: String) -> Authority? {
        var url = url
        return url.withUTF8(authority(in:))
    }

    private static func authority(in bytes: UnsafeBufferPointer<UInt8>) -> Authority? {
        let colon = UInt8(ascii: ":"), slash = UInt8(ascii: "/")
        // The scheme, up to the first "://".
        guard let separator = (0..<max(0, bytes.count - 2)).first(where: { bytes[$0] == colon && bytes[$0 + 1] == slash && bytes[$0 + 2] == slash }) else {
            return nil
        }
        let scheme: String
        switch lowercased(bytes[..<separator]) {
        case Array("https".utf8): scheme = "https"
        case Array("http".utf8): scheme = "http"
        default: return nil
        }
        let start = separator + 3
        let end = (start..<bytes.count).first { [UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#")].contains(bytes[$0]) } ?? bytes.count
        // A delimiter joined to a combining mark after it is no delimiter to a reader of
        // characters: refused, as the URL is ambiguous.
        if end + 1 < bytes.count, bytes[end + 1] >= 0x80,
           String(decoding: bytes[end..<min(end + 16, bytes.count)], as: UTF8.self).first?.unicodeScalars.count != 1 {
            return nil
        }
        let authority = bytes[start..<end]
        // No user information (`host@evil.example`), no backslash, nothing but printable ASCII.
        guard !authority.isEmpty, !authority.contains(where: { $0 == UInt8(ascii: "@") || $0 == UInt8(ascii: "\\") || $0 >= 0x80 || isBlank($0) }) else {
            return nil
        }
        var hostEnd = end
        var port: Int?
        if let portColon = authority.lastIndex(of: colon), authority.last != UInt8(ascii: "]") {
            guard let number = DecimalDigits.port(bytes[(portColon + 1)..<end]) else { return nil }
            port = number
            hostEnd = portColon
        }
        var name = lowercased(bytes[start..<hostEnd])
        if name.last == UInt8(ascii: ".") { name.removeLast() }
        guard !name.isEmpty else { return nil }
        return Authority(scheme: scheme, host: String(decoding: name, as: UTF8.self), port: port)
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func lowercased(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> [UInt8] {
        bytes.map { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) ? $0 + 32 : $0 }
    }

    /// What `Character.isWhitespace` is for ASCII: tab, line feed, vertical tab, form feed,
    /// carriage return and space.
    private static func isBlank(_ byte: UInt8) -> Bool {
        (0x09...0x0D).contains(byte) || byte == 0x20
    }

    /// `localhost`, `[::1]` or an IPv4 address in 127.0.0.0/8 (not a name that starts with `127.`).
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "[::1]" { return true }
        var parts: [Int] = []
        var value = 0, digits = 0
        for byte in host.utf8 {
            if byte == UInt8(ascii: ".") {
                guard digits > 0 else { return false }
                parts.append(value)
                (value, digits) = (0, 0)
            } else if isDigit(byte), digits < 3 {
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
            } else {
                return false
            }
        }
        guard digits > 0 else { return false }
        parts.append(value)
        return parts.count == 4 && parts[0] == 127 && parts.allSatisfy { $0 <= 255 }
    }
}
