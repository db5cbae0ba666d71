// OAuth 2.0's client-credentials grant (RFC 6749 §4.4), as providers that authenticate with it
// fetch their tokens: the client's id and secret to the token URL, a bearer token and its
// lifetime back. Tradevest's built-in provider and declared `oauth2` auth both use it.
import FoundationEssentials
import PayrunFormats

public enum ClientCredentialsGrant {
    /// A token from `url`, and how long to use it: its `expires_in` less a tenth (at most a
    /// minute), so it is renewed before it runs out mid-request.
    /// - Parameters:
    ///   - fields: the credential fields the id and secret come from, named in the error a refused
    ///     client gets.
    ///   - basicAuthentication: the id and secret in a Basic header (the RFC's preference), or in
    ///     the form.
    /// - Throws: `ProviderError` when there is no token: what the server said, and which
    ///   credentials to check when it refused them.
    public static func token(
        from url: String, fields: (id: String, secret: String), scope: String?, basicAuthentication: Bool, in context: SigningContext
    ) async throws(ProviderError) -> (Secret, Int) {
        let provider = context.credentials.provider
        let clientID = try context.credentials.text(fields.id)
        let clientSecret = try context.credentials.text(fields.secret)
        var form = [("grant_type", "client_credentials")]
        var headers = [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")]
        if basicAuthentication {
            let pair = FormEncoding.escape(clientID) + ":" + FormEncoding.escape(clientSecret)
            headers.append(("Authorization", "Basic " + Data(pair.utf8).base64EncodedString()))
        } else {
            form += [("client_id", clientID), ("client_secret", clientSecret)]
        }
        if let scope { form.append(("scope", scope)) }
        let response = try await context.send(ProviderRequest(
            method: "POST", url: url, headers: headers, body: Array(FormEncoding.encode(form).utf8), retrySafety: .idempotent))
        let answer = try? JSONValue.parse(response.body)
        guard response.status == 200, let token = answer?["access_token"]?.string, !token.isEmpty else {
            let code = answer?["error"]?.string
            let reason = answer?["error_description"]?.string ?? code ?? "HTTP \(response.status)"
            throw ProviderError(
                provider: provider, status: response.status, code: code,
                message: "no access token from \(url): \(reason)"
                    + (response.status == 400 || response.status == 401 ? "; check \(provider).\(fields.id) and \(provider).\(fields.secret)" : ""),
                retryable: RetryPolicy.isRetryable(status: response.status))
        }
        let lifetime = answer?["expires_in"]?.integer ?? 3600
        return (Secret(token), max(1, lifetime - min(60, lifetime / 10)))
    }
}
