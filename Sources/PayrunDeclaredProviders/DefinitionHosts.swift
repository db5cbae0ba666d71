// The hosts a declared provider's credentials may go to are its base URLs' and those it lists in
// `hosts` (`DeclaredProvider.hosts(in:sandboxServer:)`). A URL anywhere else in the definition (a
// token endpoint) is refused when the file is read, not when a secret is about to leave.
import PayrunProviderKit

enum DefinitionHosts {
    /// Refuses a `hosts` entry that is not a host, and an absolute token URL on a host the
    /// definition does not declare.
    static func check(_ definition: ProviderDefinition) throws(DefinitionError) {
        for (index, host) in definition.extraHosts.enumerated() {
            guard CredentialScope.host(of: "https://" + host) == host, !host.contains("/") else {
                throw DefinitionError(file: definition.file, field: "hosts[\(index + 1)]", message: "expected a host name, with :port if not 443, got \"\(host)\"")
            }
        }
        for (index, scheme) in definition.auth.enumerated() {
            guard case .oauth2(let oauth) = scheme, !oauth.tokenURL.hasPrefix("/"), let host = CredentialScope.host(of: oauth.tokenURL) else { continue }
            let declared = Set(definition.baseURLs.values.compactMap(CredentialScope.host(of:)) + definition.extraHosts)
            guard declared.contains(host) || DefinitionReader.isLoopback(oauth.tokenURL) && definition.sandboxBase?.hasPrefix("http") == true else {
                let field = definition.auth.count == 1 ? "auth.token_url" : "auth[\(index + 1)].token_url"
                throw DefinitionError(
                    file: definition.file, field: field,
                    message: "\(host) is not one of the provider's hosts: the client credentials would go there; add it to `hosts` if it is the provider's authorization server")
            }
        }
    }
}
