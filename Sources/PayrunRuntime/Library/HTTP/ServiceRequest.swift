// A `payrun.http` request as the script described it, credentials still handles, and the check
// that turns it into bytes to send: the host must be allowed, and each credential may only go
// where its service's entry allows (a whole-URL secret only to its own, allowed, host).
import PayrunFormats

/// Part of a header or query value: text, or a credential filled in when the request is made.
enum ServiceText: Sendable {
    case text(String)
    case credential(CredentialName)
}

/// A request to a service other than a provider, before its credentials are filled in.
struct ServiceRequest: Sendable {
    enum Body: Sendable {
        /// Sent as given.
        case bytes([UInt8])
        /// JSON text as `payrun.json` wrote it (decimals with their digits); credential handles in
        /// it are placeholder strings until the request is made.
        case json([UInt8])
    }

    var method: String
    /// The URL, or a credential whose secret is the whole URL (a chat's incoming webhook).
    var url: ServiceText
    var headers: [(String, [ServiceText])] = []
    var query: [(String, [ServiceText])] = []
    var body: Body?
    /// Send a mutation again after a failure that may have reached the service (`retry = true`):
    /// the script says repeating it is harmless.
    var retry = false

    /// Whether the request only reads: what `--dry-run` still sends.
    var isRead: Bool { Self.readsOnly(method) }

    /// Whether `method` only reads, by HTTP's own meaning.
    static func readsOnly(_ method: String) -> Bool { method == "GET" || method == "HEAD" || method == "OPTIONS" }

    /// The request, credentials filled in, with what shows it safely.
    struct Resolved: Sendable {
        let request: ProviderRequest
        /// Takes this request's secrets out of errors, traces and the answer.
        let redactor: Redactor
        /// `METHOD url` with any secret in the URL replaced by the credential's name.
        var summary: String { redactor.redact("\(request.method) \(request.url)") }
    }

    /// Fills in the credentials from `store`, after checking the host is allowed and each
    /// credential may go to it.
    /// - Parameter providers: whose credentials go only through `payrun.provider`.
    /// - Throws: `ProviderError` (provider `http`) saying what to allow or change.
    func resolve(
        allowedHosts: AllowedHosts, store: any CredentialStore, environment: PayrunEnvironment, providers: ProviderRegistry
    ) throws(ProviderError) -> Resolved {
        var secrets: [(CredentialName, Secret)] = []
        func secret(_ name: CredentialName) throws(ProviderError) -> String {
            guard providers.provider(named: name.provider) == nil else {
                throw Self.error("the credential \(name) is \(name.provider)'s: it goes only to \(name.provider), through payrun.provider(\"\(name.provider)\")")
            }
            guard let value = store.secret(for: name, in: environment) else {
                throw Self.error("no credential \(name) in the \(environment) environment")
            }
            secrets.append((name, value))
            return value.withBytes { String(decoding: $0, as: UTF8.self) }
        }

        var url: String
        switch self.url {
        case .text(let text): url = text
        case .credential(let name):
            url = try secret(name)
            guard AllowedHosts.entryText(for: url) != nil else {
                throw Self.error("the credential \(name) is not an http:// or https:// URL, so it cannot be a request's url")
            }
            // A service's error may quote only the path ("Cannot POST /services/T0/B0/…"): it is secret too.
            if let scheme = url.firstRange(of: "://"), let slash = url[scheme.upperBound...].firstIndex(of: "/") {
                let path = url[slash...].prefix { $0 != "#" }
                if path.utf8.count >= Redactor.tokenLength { secrets.append((name, Secret(String(path)))) }
            }
        }
        guard let entry = AllowedHosts.entryText(for: url) else {
            throw Self.error("'\(Redactor(secrets).redact(url))' \(Self.whyNotAURL(url))")
        }
        if case .credential(let name) = self.url, !AllowedHosts.isPrivate(url) {
            throw Self.error("the credential \(name) is a plain http:// URL: a secret URL goes only over https (or to this machine)")
        }
        guard allowedHosts.allows(url) else {
            throw Self.error("\(entry) is not an allowed host: allow it with --allow-host \(entry) (or add it to allow_hosts in the config file)")
        }
        /// A credential in a header, the query or the body: only to a host allowed for its service.
        func sent(_ name: CredentialName) throws(ProviderError) -> String {
            let value = try secret(name)
            guard allowedHosts.allows(credentialsOf: name.provider, toward: url) else {
                throw Self.error("the credential \(name) may only go to a host allowed for \(name.provider) over https: "
                    + "allow it with --allow-host \(entry)=\(name.provider)")
            }
            return value
        }
        func text(_ parts: [ServiceText]) throws(ProviderError) -> String {
            var result = ""
            for part in parts {
                switch part {
                case .text(let text): result += text
                case .credential(let name): result += try sent(name)
                }
            }
            return result
        }

        if !query.isEmpty {
            var pairs: [String] = []
            for (name, value) in query {
                pairs.append(ProviderClient.percentEncoded(name) + "=" + ProviderClient.percentEncoded(try text(value)))
            }
            let fragment = url.firstIndex(of: "#").map { String(url[$0...]) } ?? ""
            url = String(url.dropLast(fragment.count))
            url += (url.contains("?") ? "&" : "?") + pairs.joined(separator: "&") + fragment
        }
        var headers: [(String, String)] = []
        for (name, value) in self.headers { headers.append((name, try text(value))) }
        var bytes: [UInt8]?
        switch body {
        case nil: break
        case .bytes(let given): bytes = given
        case .json(let text):
            bytes = try Self.filling(text, with: sent)
            if !headers.contains(where: { $0.0.lowercased() == "content-type" }) { headers.append(("Content-Type", "application/json")) }
        }
        let request = ProviderRequest(
            method: method, url: url, headers: headers, body: bytes, retrySafety: retry ? .deduplicated(by: "the script's retry = true") : nil)
        return Resolved(request: request, redactor: Redactor(secrets))
    }

    /// The JSON `text` with each credential placeholder string replaced by what `fill` gives
    /// for it, as a JSON string: the rest stays byte for byte as the script's values wrote it.
    private static func filling(_ text: [UInt8], with fill: (CredentialName) throws(ProviderError) -> String) throws(ProviderError) -> [UInt8] {
        // A placeholder as the encoder writes it: `"` ESC payrun-credential:KEY: name ESC `"`.
        let sample = JSONValue.string(CredentialPlaceholder.text(for: CredentialName(provider: "x", field: "y"))).encoded()
        let closing = Array(sample.suffix(7))                     // \u001b"
        let opening = Array(sample.dropLast(3 + closing.count))   // "\u001bpayrun-credential:KEY:
        var result: [UInt8] = []
        result.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            if text[index] == UInt8(ascii: "\""), !isEscaped(text, at: index), text[index...].starts(with: opening) {
                let nameStart = index + opening.count
                var end = nameStart
                while end < text.count, text[end] != UInt8(ascii: "\\"), text[end] != UInt8(ascii: "\"") { end += 1 }
                if text[end...].starts(with: closing), let name = CredentialName(String(decoding: text[nameStart..<end], as: UTF8.self)) {
                    result += JSONValue.string(try fill(name)).encoded()
                    index = end + closing.count
                    continue
                }
            }
            result.append(text[index])
            index += 1
        }
        return result
    }

    /// Whether the quote at `index` is inside a string (`\"`): preceded by an odd number of backslashes.
    private static func isEscaped(_ text: [UInt8], at index: Int) -> Bool {
        var backslashes = 0
        while index - backslashes > 0, text[index - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
        return backslashes % 2 == 1
    }

    /// Why `url` is not one a request goes to, for the one thing wrong with it.
    static func whyNotAURL(_ url: String) -> String {
        let lowered = url.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else {
            return "is not an http:// or https:// URL"
        }
        let authority = url.drop { $0 != "/" }.dropFirst(2).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if authority.contains("@") { return "has a user name in it, which payrun does not send: put credentials in a header" }
        return "is not an absolute http:// or https:// URL: a host, and a port of digits if any"
    }

    static func error(_ message: String, status: Int? = nil, retryable: Bool = false) -> ProviderError {
        ProviderError(provider: "http", status: status, message: message, retryable: retryable)
    }
}
