// A credential handle inside a request body (`{value = payrun.credential("tradevest.webhook_secret")}`):
// encoded as a placeholder naming it, replaced by the secret only when the request is signed for
// the credential's own provider (or sent by payrun.http to a host allowed for it), so a script
// can put a secret in a body without ever holding it.
//
// The placeholder carries a random key made when the process starts. Text that only looks like
// a placeholder — a payee's name in a provider's answer, a line of an input file — cannot name a
// credential: whoever wrote it does not know the key.
import PayrunFormats

public enum CredentialPlaceholder {
    /// 16 random bytes, in hex: never given to Lua, never written anywhere.
    private static let key: String = {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(UInt8.random(in: 0...255, using: &generator), radix: 16) }.joined()
    }()
    private static var prefix: String { "\u{1B}payrun-credential:" + key + ":" }
    private static let suffix = "\u{1B}"

    /// The text a handle is encoded as in a request body.
    public static func text(for name: CredentialName) -> String {
        prefix + name.description + suffix
    }

    /// `value` with each placeholder shown as `[credential provider.field]`: for describing a
    /// body (`--dry-run`) without the key.
    public static func shown(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): name(in: text).map { .string("[credential \($0)]") } ?? value
        case .array(let items): .array(items.map(shown))
        case .object(let members): .object(members.mapValues(shown))
        default: value
        }
    }

    /// The credential `text` stands for, if it is a placeholder.
    public static func name(in text: String) -> CredentialName? {
        guard text.hasPrefix(prefix), text.hasSuffix(suffix) else { return nil }
        return CredentialName(String(text.dropFirst(prefix.count).dropLast(suffix.count)))
    }
}
