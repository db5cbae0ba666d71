// An access token shared by every request of a run, the way OAuth client-credentials tokens are
// meant to be used: sixteen requests that need one at the same moment wait for one fetch, not
// sixteen; it is renewed shortly before it expires, and dropped when the provider refuses it.
import PayrunFormats

/// A bearer token, fetched on demand and shared.
public actor SharedToken {
    private var current: (value: Secret, expires: Double)?
    private var pending: Task<(Secret, Double), any Error>?
    /// How many times a token was fetched, for tests and `--verbose`.
    public private(set) var fetches = 0
    /// Where each token fetched is kept for redaction.
    private let issued: IssuedSecrets?

    /// A token each of whose values is kept in `issued`, when there is one, as it is fetched.
    public init(issuing issued: IssuedSecrets? = nil) {
        self.issued = issued
    }

    /// The current token, fetched first when there is none or it expires within `margin`
    /// seconds. `fetch` returns a token and its lifetime in seconds; concurrent callers share
    /// one fetch, and a failed fetch fails them all (the next call tries again).
    public func value(
        renewingWithin margin: Double, fetch: @escaping @Sendable () async throws(ProviderError) -> (Secret, Int)
    ) async throws(ProviderError) -> Secret {
        let now = UTCTime.nowPrecise()
        if let current, current.expires - margin > now { return current.value }
        let task: Task<(Secret, Double), any Error>
        if let pending {
            task = pending
        } else {
            fetches += 1
            task = Task {
                let (token, lifetime) = try await fetch()
                return (token, UTCTime.nowPrecise() + Double(lifetime))
            }
            pending = task
        }
        do {
            let (token, expires) = try await task.value
            if pending == task {
                pending = nil
                current = (token, expires)
                issued?.add(token)
            }
            return token
        } catch {
            if pending == task { pending = nil }
            throw error as? ProviderError ?? ProviderError(provider: "payrun", message: "fetching a token failed: \(error)")
        }
    }

    /// Forgets `token` if it is still the current one (the provider refused it), so the next
    /// call fetches a new one; a token another request already renewed is kept.
    public func invalidate(_ token: Secret) {
        if current?.value == token { current = nil }
    }
}
