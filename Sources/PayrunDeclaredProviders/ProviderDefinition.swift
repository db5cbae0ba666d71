// A provider declared in a Lua file (`providers/NAME.lua`), as Swift holds it once read: plain
// data that says where the provider answers, which credentials it signs with and how, how its
// lists page, what its errors look like, which requests may be sent again, and how its webhooks
// are checked. Nothing in it runs code with a secret: `DeclaredProvider` does the signing.
import PayrunProviderKit

/// Everything a provider definition file declares.
public struct ProviderDefinition: Sendable {
    /// `payrun.provider`'s name for it, and the first part of its credential names.
    public var name: String
    /// The file it was read from, for messages and `payrun providers`.
    public var file: String
    /// The base URL in `test` and `live`; nil where the provider has no such environment.
    public var baseURLs: [PayrunEnvironment: String]
    /// In `sandbox`: a path under payrun's simulators (`/particeep/v1`) or a loopback URL.
    public var sandboxBase: String?
    /// Hosts besides the base URLs' that credentials may go to (an authorization server).
    public var extraHosts: [String]
    public var credentialFields: [String]
    public var sandboxCredentials: [String: String]
    /// Applied in order; several when a provider wants more than one header.
    public var auth: [AuthScheme]
    public var pagination: PaginationScheme
    /// Lists that page differently from the rest, by path pattern (`/events`).
    public var paginationByPath: [(path: RequestPattern, scheme: PaginationScheme)]
    /// Where the result is inside the provider's envelope.
    public var result: ResultEnvelope?
    public var errors: ErrorPaths
    public var retrySafe: [RequestPattern]
    public var idempotency: Idempotency?
    /// Mutations the provider can find by a reference in their body, looked for before one whose
    /// answer was lost is sent again.
    public var lookups: [ResendLookup]
    public var webhooks: WebhookRules?
    public var endpoints: [String]
    /// Client methods written in Lua on top of the common ones (`p:find(...)`), run in the
    /// script's sandbox like the script's own code, and their LuaLS annotations.
    public var methods: ProviderLuaExtension?
}

/// How to find what a mutation made, by a reference in its body (Peex's `track_id`): a GET of
/// `path` with the reference as the query parameter `query`, the item in the list whose `match`
/// member equals it.
public struct ResendLookup: Sendable, Equatable {
    public var request: RequestPattern
    /// The member of the request's JSON body that identifies it.
    public var reference: String
    public var path: String
    public var query: String
    /// Where the list is in the lookup's result; the result itself when nil.
    public var items: JSONPath?
    public var match: String
    /// The found item is the answer's member of this name, as the mutation's own answer has it.
    public var answer: String?
}

/// A request matched by method and, optionally, path (`/wallet/{id}/cashout`, a `*` at the end
/// for anything below).
public struct RequestPattern: Sendable, Equatable {
    public var method: String
    public var path: String?

    /// Whether a request with `method` to `path` (relative to the base URL) matches.
    func matches(method: String, path: String) -> Bool {
        guard method == self.method else { return false }
        guard let pattern = self.path else { return true }
        return Self.matches(pattern: pattern.split(separator: "/"), path: path.split(separator: "/"))
    }

    private static func matches(pattern: [Substring], path: [Substring]) -> Bool {
        // A final `*` is anything below, not the path itself: `POST /charges/*` (a charge's
        // sub-resources) must not make the create, `POST /charges`, one to send again.
        if pattern.last == "*" { return path.count >= pattern.count && matches(pattern: Array(pattern.dropLast()), path: Array(path.prefix(pattern.count - 1))) }
        guard pattern.count == path.count else { return false }
        return zip(pattern, path).allSatisfy { part, segment in (part.hasPrefix("{") && part.hasSuffix("}")) || part == segment }
    }
}

/// A header the provider deduplicates mutations by: a request carrying a key it has seen is not
/// applied twice, so such a request may be sent again.
public struct Idempotency: Sendable, Equatable {
    public var header: String
    public var methods: Set<String>
}

/// Where the result is in a successful answer: at `path`, when the answer has one of `marker`'s
/// members too (or always, when `marker` is empty); otherwise the whole answer.
public struct ResultEnvelope: Sendable, Equatable {
    public var path: JSONPath
    public var marker: [String]
}

/// Where an error answer keeps its parts; each a list of paths tried in order.
public struct ErrorPaths: Sendable, Equatable {
    /// A 2xx answer is an error too when one of these is `true`.
    public var flag: [JSONPath] = []
    public var code: [JSONPath] = []
    public var message: [JSONPath] = []
    /// An object or array whose members become the error's details.
    public var details: [JSONPath] = []
    /// What a status means, put before the provider's own message (`401`: "the key was refused:
    /// check acme.api_key").
    public var meanings: [Int: String] = [:]
}
