// A client for one provider in one environment: builds the URL, signs with the provider's
// credentials (checked to go only to the provider's own host), sends with retries that never pay
// twice, and turns the answer into a result or a ProviderError.
#if canImport(Glibc)
import Glibc
#endif
import PayrunFormats

/// Sends requests to one provider.
public struct ProviderClient: Sendable {
    public let provider: any PaymentProvider
    public let environment: PayrunEnvironment
    /// e.g. `https://test-api.particeep.com/v1`.
    public let baseURL: String
    let http: ProviderHTTPClient
    /// Credentials, cache and services for signing.
    let context: SigningContext
    /// Sent with every request of this client (e.g. Tradevest's `Requestor-ID`); a request's
    /// own headers of the same name win.
    public var defaultHeaders: [(String, String)] = []

    /// A response's result, with what came with it.
    public struct Reply: Sendable {
        /// The result, envelope removed: most often read in place from the answer's parsed text.
        public let content: ProviderResult
        /// The result as a value (built from the parsed text on each use).
        public var result: JSONValue { content.value }
        public let status: Int
        /// The answer's headers, made into strings only when read (``headers``).
        public let headerFields: ResponseHeaders
        /// The answer's headers in order: made on each read, so read them once.
        public var headers: [(String, String)] { headerFields.pairs }
        /// How many times the request was sent.
        public internal(set) var attempts: Int
        /// What the provider wants the user to know (a quota nearly spent).
        public let warning: String?
        /// The create had been accepted by an earlier attempt; `result` is what it created.
        public var alreadyAccepted = false
        /// Not sent: an earlier attempt of the run journaled this answer.
        public var fromJournal = false

        public init(
            result: JSONValue, status: Int, headers: [(String, String)], attempts: Int, warning: String? = nil,
            alreadyAccepted: Bool = false
        ) {
            self.init(content: .built(result), status: status, headers: headers, attempts: attempts, warning: warning, alreadyAccepted: alreadyAccepted)
        }

        public init(
            content: ProviderResult, status: Int, headers: [(String, String)], attempts: Int, warning: String? = nil,
            alreadyAccepted: Bool = false
        ) {
            self.init(
                content: content, status: status, headerFields: ResponseHeaders(headers), attempts: attempts, warning: warning,
                alreadyAccepted: alreadyAccepted)
        }

        public init(
            content: ProviderResult, status: Int, headerFields: ResponseHeaders, attempts: Int, warning: String? = nil,
            alreadyAccepted: Bool = false
        ) {
            self.content = content
            self.status = status
            self.headerFields = headerFields
            self.attempts = attempts
            self.warning = warning
            self.alreadyAccepted = alreadyAccepted
        }
    }

    /// - Parameters:
    ///   - sandboxServer: the base URL of the running simulators, for `sandbox`.
    ///   - cache: what the provider keeps for the run (its token); share one between the
    ///     clients of one provider.
    /// - Throws: `ProviderError` when the provider has no such environment.
    public init(
        provider: any PaymentProvider, environment: PayrunEnvironment, credentials: ProviderCredentials,
        http: ProviderHTTPClient, sandboxServer: String? = nil, cache: ProviderCache = ProviderCache()
    ) throws(ProviderError) {
        guard let baseURL = provider.baseURL(in: environment, sandboxServer: sandboxServer) else {
            let others = PayrunEnvironment.allCases.filter { $0 != environment && provider.offers($0) }
            let instead = others.isEmpty ? "" : "; it has " + others.map { "--env \($0)" }.joined(separator: " and ")
            let reason = environment == .sandbox && sandboxServer == nil && provider.offers(.sandbox) ? " (no simulator is running)" : ""
            throw ProviderError(provider: provider.name, message: "\(provider.name) has no \(environment) environment\(reason)\(instead)")
        }
        self.provider = provider
        self.environment = environment
        self.baseURL = baseURL
        self.http = http
        // Secrets go to the provider's own HTTPS hosts and nowhere else.
        let scope = CredentialScope([provider.name: provider.hosts(in: environment, sandboxServer: sandboxServer)])
        // The provider's tokens are redacted from its answers as its credentials are.
        var credentials = credentials
        credentials.issued = cache.issued
        context = SigningContext(
            credentials: credentials, environment: environment, sandboxServer: sandboxServer, cache: cache, http: http, scope: scope)
    }

    /// Sends a request and returns its result.
    /// - Parameters:
    ///   - path: from the base URL, starting with `/`, e.g. `/user/usr_1`.
    ///   - query: added to the URL, percent-encoded, in order.
    ///   - body: sent as JSON.
    /// - Throws: `ProviderError` for an error answer or no answer.
    public func request(
        _ method: String, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil, headers: [(String, String)] = []
    ) async throws(ProviderError) -> Reply {
        try await request(method, path, query: query, body: body, headers: headers, mayLookUp: true)
    }

    /// ``request(_:_:query:body:headers:)`` on the caller's executor: what a script's requests
    /// and the paginator call, so that a request sent from a script's thread makes no hop to the
    /// generic executor at each of the calls it goes through (see ``HTTPTransport/sendHere(_:)``).
    /// - Parameter url: `path` and `query` made a URL already (``url(_:query:)``), when the caller
    ///   made it to ask ``isRead(_:url:body:)``: built once, not twice.
    /// - Parameter sent: the request as signed and its first attempt, made already by
    ///   ``requestNow(_:_:query:body:headers:url:stop:)``: the attempts go on from it.
    package nonisolated(nonsending) func requestHere(
        _ method: String, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil, headers: [(String, String)] = [],
        url: String? = nil, sent: Sent? = nil
    ) async throws(ProviderError) -> Reply {
        try await request(method, path, query: query, body: body, headers: headers, mayLookUp: true, url: url, sent: sent)
    }

    /// A request signed and attempted once by a blocking thread, whose attempts go on in a task.
    package struct Sent: Sendable {
        let request: ProviderRequest
        let first: ProviderHTTPClient.FirstAttempt
    }

    /// What came of a request begun on a blocking thread with no task.
    package enum Begun: Sendable {
        /// Answered, and settled by that answer.
        case reply(Reply)
        /// Sent once; its retries (or the lookups an unclear failure calls for) go on in a task.
        case sent(Sent)
        /// Not sent: it goes the async way from the start.
        case notHere
    }

    /// ``requestHere(_:_:query:body:headers:url:sent:)`` begun on this thread with no task at
    /// all, when the provider signs without awaiting anything (``PaymentProvider/signNow(_:in:)``)
    /// and the transport has a connection it can send on here (``HTTPTransport/sendNow(_:stop:)``):
    /// a sequential request's tasks, executor hops and async frames were a quarter of its
    /// instructions. What its answer leaves to do (a retry, a renewed signature, a lookup) goes
    /// on in a task, from the attempt made here.
    /// - Parameter stop: ends the wait for the answer (a time limit, Ctrl-C).
    package func requestNow(
        _ method: String, _ path: String, query: [(String, String)], body: JSONValue?, headers: [(String, String)], url: String?,
        stop: @escaping @Sendable () -> Bool
    ) throws(ProviderError) -> Begun {
        // Asked of the URL before the body is encoded: a request to an HTTPS provider (every one in
        // `test` and `live`) goes the async way, and would otherwise be built twice.
        let target: String
        if let url { target = url } else { target = try self.url(path, query: query) }
        guard http.transport.mightSendNow(to: target) else { return .notHere }
        var request = try unsigned(method, path, query: query, body: body, headers: headers, fillingCredentials: true, url: target)
        try context.checkScope(of: request)
        let before = (url: request.url, headerCount: request.headers.count)
        guard try provider.signNow(&request, in: context) else { return .notHere }
        try refuseWhatSigningAdds(request, to: before, given: headers)
        guard let first = http.firstAttemptNow(request, stop: stop) else { return .notHere }
        guard let response = http.settled(request, by: first) else { return .sent(Sent(request: request, first: first)) }
        // One attempt: not a create repeated after an unclear failure (``request``'s lookups).
        return .reply(reply(to: response, result: try redactedResult(of: response, to: request)))
    }

    private nonisolated(nonsending) func request(
        _ method: String, _ path: String, query: [(String, String)], body: JSONValue?, headers: [(String, String)], mayLookUp: Bool,
        url: String? = nil, sent: Sent? = nil
    ) async throws(ProviderError) -> Reply {
        let request: ProviderRequest
        let response: ProviderResponse
        do {
            (request, response) = try await sendHere(method, path, query: query, body: body, headers: headers, url: url, sent: sent)
        } catch where error.outcomeUnknown && mayLookUp {
            // Sent, and no answer: if the provider can say whether it arrived, ask before sending again.
            guard let lookup = provider.lookupBeforeResending(try await signed(method, path, query: query, body: body, headers: headers)) else {
                throw error
            }
            do {
                if let reply = try await alreadyAccepted(lookup) { return reply }
            } catch let lookupError where lookupError.status == 404 {
                // Not there: it never arrived, so it is sent again, once.
            } catch let lookupError {
                // No way to tell: the first error says what to do.
                throw lookupError.status == nil ? error : lookupError
            }
            var resent = try await self.request(method, path, query: query, body: body, headers: headers, mayLookUp: false)
            // The script is told of every time it went out, the ones that got no answer too.
            resent.attempts += error.attempts
            return resent
        }
        let result: ProviderResult
        do {
            result = try redactedResult(of: response, to: request)
        } catch {
            // A create repeated after an unclear failure, refused because the first got through.
            if response.attempts > 1, case .deduplicated = request.retrySafety, let lookup = provider.existing(after: response, to: request),
                let reply = try await alreadyAccepted(lookup, refused: response)
            {
                return reply
            }
            throw error
        }
        return reply(to: response, result: result)
    }

    /// What a script gets for `response`, read as `result`: the answer's headers with any of this
    /// client's secrets they quote redacted (a `Link` quoting a key sent in the query).
    func reply(to response: ProviderResponse, result: ProviderResult) -> Reply {
        Reply(
            content: result, status: response.status, headerFields: context.credentials.redacting(response.headerFields), attempts: response.attempts,
            warning: provider.warning(about: response))
    }

    /// The provider's reading of `response`, with any of this client's secrets the answer echoes
    /// redacted, in the result and in the error it raises alike.
    func redactedResult(of response: ProviderResponse, to request: ProviderRequest) throws(ProviderError) -> ProviderResult {
        let echoes = context.credentials.mayContain(in: response.body)
        do {
            let result = try provider.parsedResult(of: response, to: request)
            return echoes ? .built(context.credentials.redacting(result.value)) : result
        } catch {
            var error = error
            // A 5xx or 429 to a mutation the provider cannot recognise again may yet have been
            // applied: not one to send again on the strength of its status, which the retries
            // did not do either.
            if error.retryable, request.retrySafety == .unsafe, error.status.map(RetryPolicy.isRetryable(status:)) == true {
                error.retryable = false
            }
            throw echoes ? context.credentials.redacting(error, quoting: response.body) : error
        }
    }

    /// What `lookup` finds, as the reply of a mutation an earlier attempt already got through
    /// (with the status, headers and attempts of the answer that refused it as a repeat, if one
    /// did); nil when it finds nothing.
    func alreadyAccepted(_ lookup: ExistingLookup, refused: ProviderResponse? = nil) async throws(ProviderError) -> Reply? {
        let found = try await request("GET", lookup.path, query: lookup.query)
        guard let existing = lookup.pick(found.result) else { return nil }
        var reply = Reply(
            content: .built(existing), status: refused?.status ?? found.status,
            headerFields: refused.map { context.credentials.redacting($0.headerFields) } ?? found.headerFields,
            attempts: refused?.attempts ?? 1, warning: nil)
        reply.alreadyAccepted = true
        return reply
    }

    /// Sends a request and returns the answer as it came, whatever its status, after any retries;
    /// signed afresh and sent once more when the provider refuses its authentication as stale.
    /// - Throws: `ProviderError` only when there was no answer.
    public func send(
        _ method: String, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil, headers: [(String, String)] = []
    ) async throws(ProviderError) -> (ProviderRequest, ProviderResponse) {
        try await sendHere(method, path, query: query, body: body, headers: headers)
    }

    private nonisolated(nonsending) func sendHere(
        _ method: String, _ path: String, query: [(String, String)], body: JSONValue?, headers: [(String, String)], url: String? = nil,
        sent: Sent? = nil
    ) async throws(ProviderError) -> (ProviderRequest, ProviderResponse) {
        var request: ProviderRequest
        var response: ProviderResponse
        if let sent {
            request = sent.request
            response = try await send(request, after: sent.first)
        } else {
            request = try await signedHere(method, path, query: query, body: body, headers: headers, url: url)
            response = try await send(request)
        }
        if await provider.renewsAuthorization(after: response, to: request, in: context) {
            request = try await signedHere(method, path, query: query, body: body, headers: headers, url: url)
            let again = try await send(request)
            response = ProviderResponse(status: again.status, headerFields: again.headerFields, body: again.body, attempts: response.attempts + again.attempts)
        }
        return (request, response)
    }

    private nonisolated(nonsending) func send(_ request: ProviderRequest, after first: ProviderHTTPClient.FirstAttempt? = nil) async throws(ProviderError) -> ProviderResponse {
        do {
            return try await http.sendHere(request, after: first)
        } catch {
            // Redacted: the message quotes the URL, which may carry a key in its query.
            var failure = context.credentials.redacting(ProviderError(provider: provider.name, message: error.description, retryable: error.isRetryable))
            if case .outcomeUnknown = error { failure.outcomeUnknown = true }
            // A mutation the provider deduplicates, one of whose attempts may have arrived (its
            // wait for an answer stopped, an answer too large, an attempt cut off and the retry
            // stopped before it went out): its retries are safe, but a journal that took it for
            // "not sent" would send it afresh, to be refused as a repeat for good.
            if error.mayHaveArrived, request.retrySafety != .idempotent { failure.outcomeUnknown = true }
            failure.neverSent = !error.mayHaveArrived
            failure.attempts = error.attempts
            throw failure
        }
    }

    /// The request as it would be sent: URL built, body encoded, authentication added.
    public func signed(
        _ method: String, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil, headers: [(String, String)] = []
    ) async throws(ProviderError) -> ProviderRequest {
        try await signedHere(method, path, query: query, body: body, headers: headers)
    }

    private nonisolated(nonsending) func signedHere(
        _ method: String, _ path: String, query: [(String, String)], body: JSONValue?, headers: [(String, String)], url: String? = nil
    ) async throws(ProviderError) -> ProviderRequest {
        var request = try unsigned(method, path, query: query, body: body, headers: headers, fillingCredentials: true, url: url)
        try context.checkScope(of: request)
        let before = (url: request.url, headerCount: request.headers.count)
        try await provider.sign(&request, in: context)
        try refuseWhatSigningAdds(request, to: before, given: headers)
        return request
    }

    /// Throws if the script gave something the provider's signing adds to `request`, which was
    /// `unsigned` before: a header (`Authorization`), sent first, would stand in for the
    /// signature, and every request be refused; a query parameter (a key sent in the query),
    /// sent beside the one signing adds, would leave the server to read either.
    private func refuseWhatSigningAdds(_ request: ProviderRequest, to unsigned: (url: String, headerCount: Int), given headers: [(String, String)]) throws(ProviderError) {
        if !headers.isEmpty || !defaultHeaders.isEmpty {
            let given = headers + defaultHeaders
            for (name, _) in request.headers.dropFirst(unsigned.headerCount) where given.contains(where: { $0.0.equalsIgnoringASCIICase(name) }) {
                throw ProviderError(
                    provider: provider.name,
                    message: "the header \(name) is added by payrun when it signs \(provider.name)'s requests; a script's own would stand in "
                        + "for the signature, so leave it out")
            }
        }
        // Nearly no signing adds to the URL: its length tells, before anything is split.
        guard request.url.utf8.count != unsigned.url.utf8.count, request.url.hasPrefix(unsigned.url),
              let mark = unsigned.url.firstIndex(of: "?") else { return }
        let given = unsigned.url[unsigned.url.index(after: mark)...].split(separator: "&").map { $0.prefix { $0 != "=" } }
        for parameter in request.url.dropFirst(unsigned.url.count + 1).split(separator: "&") {
            let name = parameter.prefix { $0 != "=" }
            guard given.contains(name) else { continue }
            throw ProviderError(
                provider: provider.name,
                message: "the query parameter \(name) is added by payrun when it signs \(provider.name)'s requests; a script's own would "
                    + "stand in for the credential, so leave it out")
        }
    }

    /// The request as ``signed(_:_:query:body:headers:)`` makes it, and as it was before the
    /// provider signed it: what a script is shown of a request (`p:sign`), with everything signing
    /// added told apart, whatever its name.
    public func signedAndUnsigned(
        _ method: String, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil, headers: [(String, String)] = []
    ) async throws(ProviderError) -> (signed: ProviderRequest, unsigned: ProviderRequest) {
        let unsigned = try unsigned(method, path, query: query, body: body, headers: headers, fillingCredentials: true)
        return (try await signed(method, path, query: query, body: body, headers: headers), unsigned)
    }

    /// Whether the provider counts this request as a read (see ``PaymentProvider/isRead(_:)``):
    /// what `--dry-run` still sends. A request that cannot be built is not a read. The provider
    /// is shown its method, URL and body: a durable run asks this of every request, and merging
    /// the headers and deciding the retry safety as well cost 2K instructions a GET.
    public func isRead(_ method: String, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil) -> Bool {
        guard let url = try? url(path, query: query) else { return false }
        return isRead(method, url: url, body: body)
    }

    /// ``isRead(_:_:query:body:)`` of a request whose URL is made already.
    public func isRead(_ method: String, url: String, body: JSONValue? = nil) -> Bool {
        provider.isRead(ProviderRequest(method: method, url: url, body: body?.encoded()))
    }

    /// The request before signing: URL built, body encoded (with credential placeholders filled
    /// in, or left as they are for looking at), headers merged, retry safety decided.
    private func unsigned(
        _ method: String, _ path: String, query: [(String, String)], body: JSONValue?, headers: [(String, String)],
        fillingCredentials: Bool, url made: String? = nil
    ) throws(ProviderError) -> ProviderRequest {
        let url: String
        if let made { url = made } else { url = try self.url(path, query: query) }
        var allHeaders: [(String, String)] = []
        // Room for the provider's signing headers too: they are appended next.
        allHeaders.reserveCapacity(4 + defaultHeaders.count + headers.count)
        allHeaders.append(("Accept", "application/json"))
        var bytes: [UInt8]?
        if let body {
            bytes = (fillingCredentials ? try withCredentials(body) : body).encoded()
            allHeaders.append(("Content-Type", "application/json"))
        }
        if headers.isEmpty {
            allHeaders += defaultHeaders
        } else {
            let given = Set(headers.map { $0.0.lowercased() })
            allHeaders += defaultHeaders.filter { !given.contains($0.0.lowercased()) }
            allHeaders += headers
        }
        var request = ProviderRequest(method: method, url: url, headers: allHeaders, body: bytes)
        request.retrySafety = provider.retrySafety(of: request)
        return request
    }

    /// `body` with each credential placeholder (a `payrun.credential` handle the script put in
    /// it) replaced by the secret, which may only go to its own provider.
    private func withCredentials(_ body: JSONValue) throws(ProviderError) -> JSONValue {
        switch body {
        case .string(let text):
            guard let name = CredentialPlaceholder.name(in: text) else { return body }
            guard name.provider == provider.name else {
                throw ProviderError(provider: provider.name, message: "the credential \(name) is not \(provider.name)'s and cannot be sent to it")
            }
            // What a body gives a provider, it keeps, and its searches could then give it back
            // a character at a time: only a secret meant to be registered with it goes there.
            guard provider.bodyCredentialFields.contains(name.field) else {
                let allowed = provider.bodyCredentialFields.sorted().map { "\(provider.name).\($0)" }
                throw ProviderError(
                    provider: provider.name,
                    message: "the credential \(name) cannot go in a request body: \(provider.name) would keep it where its answers "
                        + "could give it back; payrun adds \(provider.name)'s own secrets when it signs"
                        + (allowed.isEmpty ? "" : " (a body may carry \(allowed.joined(separator: ", ")))"))
            }
            return .string(try context.credentials.text(name.field))
        case .array(let items):
            var result: [JSONValue] = []
            for item in items { result.append(try withCredentials(item)) }
            return .array(result)
        case .object(let members):
            var result: [String: JSONValue] = [:]
            for (name, member) in members { result[name] = try withCredentials(member) }
            return .object(result)
        default:
            return body
        }
    }

    /// The URL of `path` with `query` percent-encoded.
    /// - Throws: `ProviderError` when `path` does not start with `/`.
    public func url(_ path: String, query: [(String, String)] = []) throws(ProviderError) -> String {
        if let problem = pathProblem(path) { throw ProviderError(provider: provider.name, message: problem) }
        guard !query.isEmpty else { return baseURL + path }
        let encoded = query.map { "\(Self.percentEncoded($0.0))=\(Self.percentEncoded($0.1))" }.joined(separator: "&")
        return baseURL + path + (path.contains("?") ? "&" : "?") + encoded
    }

    /// What is wrong with `path` as a path of the provider's API, or nil: one that does not start
    /// with `/` (an operation's name given as one, a full URL), or that has a `.` or `..`
    /// segment (a server resolves it to a path outside the API's base, the credentials sent
    /// along), written as it is, percent-encoded (`%2e%2e`) or after a `\` (which some servers
    /// and proxies take for a `/`).
    public func pathProblem(_ path: String) -> String? {
        guard path.utf8.first == UInt8(ascii: "/") else {
            return "the path '\(path)' must start with /" + (provider.pathHint.map { "; " + $0 } ?? "")
        }
        // Nearly no path has a `.`, `%` or `\` at all: they are looked for with memchr before any
        // segment is split out (splitting cost 5.9K instructions a request).
        guard Self.mayHaveDotSegment(path) else { return nil }
        let beforeQuery = path.utf8.prefix { $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") }
        for segment in beforeQuery.split(omittingEmptySubsequences: false, whereSeparator: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "\\") }) {
            let decoded = Self.decodingDots(segment)
            guard decoded.elementsEqual(".".utf8) || decoded.elementsEqual("..".utf8) else { continue }
            return "the path '\(path)' has a '\(String(decoding: segment, as: UTF8.self))' segment; give the path from the API's base, without . or .."
        }
        return nil
    }

    /// `segment` with each `%2e` (either case) made the `.` a server decodes it to.
    private static func decodingDots(_ segment: some Collection<UInt8>) -> [UInt8] {
        var bytes = Array(segment)[...]
        var decoded: [UInt8] = []
        while let byte = bytes.popFirst() {
            if byte == UInt8(ascii: "%"), bytes.count >= 2, bytes.first == UInt8(ascii: "2"),
               bytes.dropFirst().first == UInt8(ascii: "e") || bytes.dropFirst().first == UInt8(ascii: "E") {
                decoded.append(UInt8(ascii: "."))
                bytes.removeFirst(2)
            } else {
                decoded.append(byte)
            }
        }
        return decoded
    }

    /// Whether `path` has a `.`, a `%` or a `\` anywhere, where a `.` or `..` segment could be.
    public static func mayHaveDotSegment(_ path: String) -> Bool {
        var path = path
        return path.withUTF8 { bytes in
            guard let start = bytes.baseAddress else { return false }
            return [UInt8(ascii: "."), UInt8(ascii: "%"), UInt8(ascii: "\\")].contains { memchr(start, Int32($0), bytes.count) != nil }
        }
    }

    /// RFC 3986: everything but unreserved characters is %XX.
    public static func percentEncoded(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF".unicodeScalars)
                result.unicodeScalars.append("%")
                result.unicodeScalars.append(digits[Int(byte >> 4)])
                result.unicodeScalars.append(digits[Int(byte & 0xF)])
            }
        }
        return result
    }
}
