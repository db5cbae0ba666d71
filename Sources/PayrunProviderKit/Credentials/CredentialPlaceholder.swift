// A credential handle inside a request body (`{value = payrun.credential("tradevest.webhook_secret")}`):
// encoded as a placeholder naming it, replaced by the secret only when the request is signed for
// the credential's own provider, so a script can register a secret with a provider (a webhook's
// header) without ever holding it.

public enum CredentialPlaceholder {
    private static let prefix = "\u{1B}payrun-credential:"
    private static let suffix = "\u{1B}"

    /// The text a handle is encoded as in a request body.
    public static func text(for name: CredentialName) -> String {
        prefix + name.description + suffix
    }

    /// The credential `text` stands for, if it is a placeholder.
    public static func name(in text: String) -> CredentialName? {
        guard text.hasPrefix(prefix), text.hasSuffix(suffix) else { return nil }
        return CredentialName(String(text.dropFirst(prefix.count).dropLast(suffix.count)))
    }
}
