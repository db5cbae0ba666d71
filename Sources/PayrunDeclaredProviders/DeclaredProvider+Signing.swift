// Signing a declared provider's requests, in Swift: headers, bearer and Basic credentials, query
// parameters, OAuth 2.0 client-credentials tokens and HMAC signatures declared by parts. The
// definition named the credential fields; their values are read here and nowhere else.
import FoundationEssentials
import PayrunFormats
import PayrunProviderKit

extension DeclaredProvider {
    public func sign(_ request: inout ProviderRequest, in context: SigningContext) async throws(ProviderError) {
        if let header = idempotencyHeader(forMethod: request.method), request.header(header) == nil {
            // Outside a durable run (which gives its own key), a key per request made: the
            // transport's retries resend this very request, so the provider sees one key and
            // applies it once.
            request.headers.append((header, Self.randomKey()))
            request.retrySafety = retrySafety(of: request)
        }
        // Authentication is the provider's: a header of the same name a script gave is left in,
        // for `ProviderClient` to refuse as it does a built-in provider's, rather than replaced
        // without a word.
        for (index, scheme) in definition.auth.enumerated() {
            switch scheme {
            case .header(let name, let value, let optional):
                do {
                    request.headers.append((name, try fill(value, context: context, values: [:])))
                } catch where optional {
                    continue
                }
            case .bearer(let credential):
                request.headers.append(("Authorization", "Bearer " + (try context.credentials.text(credential))))
            case .basic(let username, let password):
                let pair = try context.credentials.text(username) + ":" + (try password.map { field throws(ProviderError) in try context.credentials.text(field) } ?? "")
                let encoded = Data(pair.utf8).base64EncodedString()
                // The pair encoded is as secret as the password in it, and no credential's bytes:
                // kept with the provider's issued secrets, an answer that echoes it is redacted.
                context.cache.issued.add(Secret(encoded))
                request.headers.append(("Authorization", "Basic " + encoded))
            case .query(let name, let credential):
                let value = try context.credentials.text(credential)
                request.url += (request.url.contains("?") ? "&" : "?") + ProviderClient.percentEncoded(name) + "=" + ProviderClient.percentEncoded(value)
            case .oauth2(let oauth):
                let token = try await context.cache.token("oauth2.\(index)").value(renewingWithin: 30) { () async throws(ProviderError) in
                    try await fetchToken(oauth, context: context)
                }
                request.headers.append(("Authorization", "Bearer " + token.withBytes { String(decoding: $0, as: UTF8.self) }))
            case .hmac(let signing):
                try sign(&request, with: signing, context: context)
            }
        }
    }

    /// Adds the headers that carry no signature first (a date the message may sign), then the
    /// signature's.
    private func sign(_ request: inout ProviderRequest, with signing: HMACRequestSigning, context: SigningContext) throws(ProviderError) {
        let signature = signing.signature
        let values = [
            "timestamp": HMACSignature.timestamp(UTCTime.nowPrecise(), as: signature.timestampFormat),
            "nonce": Self.randomKey(),
        ]
        for header in signing.headers where !header.value.names.contains("signature") {
            request.headers.append((header.name, try fill(header.value, context: context, values: values)))
        }
        let key = try context.credentials.secret(signature.key).withBytes { $0 }
        let sent = request
        var missing: String?
        let message = signature.message { (part) -> [UInt8]? in
            switch part {
            case .method: return Array(sent.method.utf8)
            case .path: return Array(URLPath.of(sent.url).utf8)
            case .query: return Array(sent.url.split(separator: "?", maxSplits: 1).dropFirst().first.map { String($0) }?.utf8 ?? "".utf8)
            case .body: return sent.body ?? []
            case .timestamp: return Array(values["timestamp"]!.utf8)
            case .nonce: return Array(values["nonce"]!.utf8)
            case .literal(let text): return Array(text.utf8)
            case .credential(let field): return try? context.credentials.secret(field).withBytes { $0 }
            case .header(let name):
                if let value = sent.header(name) { return Array(value.utf8) }
                missing = name
                return nil
            }
        }
        guard let message else {
            if let missing { throw ProviderError(provider: name, message: "the signature signs the \(missing) header, which the request does not have") }
            // A credential part: read again to throw its "not configured" error.
            for case .credential(let field) in signature.message { _ = try context.credentials.secret(field) }
            throw ProviderError(provider: name, message: "cannot build the message to sign")
        }
        var filled = values
        filled["signature"] = signature.signature(of: message, key: key, keyed: keyed)
        for header in signing.headers where header.value.names.contains("signature") {
            request.headers.append((header.name, try fill(header.value, context: context, values: filled)))
        }
    }

    /// `template` with payrun's values and the credentials it names (a credential not set throws
    /// the error that says how to set it).
    func fill(_ template: Template, context: SigningContext, values: [String: String]) throws(ProviderError) -> String {
        let text = try template.filled { (name) throws(ProviderError) -> String? in
            if let value = values[name] { return value }
            return try context.credentials.text(name)
        }
        return text ?? ""
    }

    /// A token from the authorization server the definition names.
    private func fetchToken(_ oauth: OAuthClientCredentials, context: SigningContext) async throws(ProviderError) -> (Secret, Int) {
        guard let url = tokenURL(oauth, context: context) else {
            throw ProviderError(provider: name, message: "\(name) has no base URL in \(context.environment) to find \(oauth.tokenURL) on")
        }
        return try await ClientCredentialsGrant.token(
            from: url, fields: (oauth.clientID, oauth.clientSecret), scope: oauth.scope, basicAuthentication: oauth.basicAuthentication, in: context)
    }

    /// An absolute token URL, or a path on the base URL's scheme, host and port.
    private func tokenURL(_ oauth: OAuthClientCredentials, context: SigningContext) -> String? {
        guard oauth.tokenURL.hasPrefix("/") else { return oauth.tokenURL }
        guard let base = baseURL(in: context.environment, sandboxServer: context.sandboxServer) else { return nil }
        return String(base.utf8.dropLast(URLPath.of(base).utf8.count))! + oauth.tokenURL
    }

    /// A 401 to a request with an OAuth token: forget the token and sign again, once.
    public func renewsAuthorization(after response: ProviderResponse, to request: ProviderRequest, in context: SigningContext) async -> Bool {
        guard response.status == 401 else { return false }
        guard definition.auth.contains(where: { if case .oauth2 = $0 { true } else { false } }),
            let header = request.header("Authorization"), header.hasPrefix("Bearer ")
        else { return false }
        let token = Secret(String(header.dropFirst("Bearer ".count)))
        for (index, scheme) in definition.auth.enumerated() {
            if case .oauth2 = scheme { await context.cache.token("oauth2.\(index)").invalidate(token) }
        }
        return true
    }

    /// Headers shown as they are by `p:sign`: those that carry no credential and no signature
    /// (a date, a nonce). Not the idempotency key: a script's own is kept as it gave it, and one
    /// payrun makes is made again when the request is sent (in a durable run, from the run).
    public var publicSigningHeaders: Set<String> {
        var names: Set<String> = []
        var secret: Set<String> = []
        for case .hmac(let signing) in definition.auth {
            for header in signing.headers {
                if header.value.names.allSatisfy({ $0 == "timestamp" || $0 == "nonce" }) {
                    names.insert(header.name.lowercased())
                } else {
                    secret.insert(header.name.lowercased())
                }
            }
        }
        // A name another scheme also writes (with a secret) is never shown.
        let others = definition.auth.flatMap { scheme -> [String] in
            if case .hmac = scheme { return [] }
            return scheme.headerNames
        }
        return names.subtracting(secret).subtracting(others.map { $0.lowercased() })
    }

    /// 16 random bytes as 32 hex digits.
    static func randomKey() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.string((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
