// What a provider keeps between requests of one run: a session's clients of one provider share
// it, so a token fetched for one request serves the others.
import PayrunLocks

/// Per-provider storage that lives as long as the run.
public final class ProviderCache: Sendable {
    private let tokens = Locked<[String: SharedToken]>([:])
    /// Every token fetched, for the clients' redaction: an answer that echoes one gives the
    /// script a marker, as for a credential.
    public let issued = IssuedSecrets()

    public init() {}

    /// The token called `name`, the same object every time it is asked for.
    public func token(_ name: String) -> SharedToken {
        tokens.withLock { tokens in
            if let token = tokens[name] { return token }
            let token = SharedToken(issuing: issued)
            tokens[name] = token
            return token
        }
    }
}
