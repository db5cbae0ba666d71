// A provider declared in Lua, on the same plugin API as the built-in ones: where it answers, its
// credentials, its answers and errors, its pages and which requests may be sent again. Signing
// (`DeclaredProvider+Signing`) and webhooks (`DeclaredProvider+Webhooks`) are in their own files.
import PayrunFormats
import PayrunProviderKit

/// A ``PaymentProvider`` made from a ``ProviderDefinition``.
public struct DeclaredProvider: PaymentProvider {
    public let definition: ProviderDefinition
    /// Worked out once rather than for every request: the base URLs' paths (longest first).
    let basePaths: [String]
    /// The request signature's key, set up once.
    let keyed = KeyedHMAC()

    public init(_ definition: ProviderDefinition) {
        self.definition = definition
        basePaths = (Array(definition.baseURLs.values) + [definition.sandboxBase].compactMap { $0 })
            .map { $0.hasPrefix("/") ? $0 : URLPath.of($0) }
            .filter { !$0.isEmpty }
            .sorted { $0.count > $1.count }
    }

    /// The provider declared in the file at `path`.
    /// - Throws: ``DefinitionError`` naming the file and the field.
    public init(file path: String) throws(DefinitionError) {
        self.init(try DefinitionFile.load(path))
    }

    public var name: String { definition.name }
    public var credentialFields: [String] { definition.credentialFields }
    public var sandboxCredentials: [String: String] { definition.sandboxCredentials }
    public var endpoints: [String] { definition.endpoints }
    public var pagination: PaginationScheme { definition.pagination }
    public var luaExtension: ProviderLuaExtension? { definition.methods }

    public func pagination(of path: String, query: [(String, String)]) -> PaginationScheme {
        definition.paginationByPath.first { $0.path.matches(method: "GET", path: path) }?.scheme ?? definition.pagination
    }

    public func baseURL(in environment: PayrunEnvironment, sandboxServer: String?) -> String? {
        guard environment == .sandbox else { return definition.baseURLs[environment] }
        guard let base = definition.sandboxBase else { return nil }
        if base.hasPrefix("http") { return base }
        return sandboxServer.map { $0 + base }
    }

    /// The base URL's host, and those the definition lists in `hosts`.
    public func hosts(in environment: PayrunEnvironment, sandboxServer: String?) -> [String] {
        (baseURL(in: environment, sandboxServer: sandboxServer).flatMap(CredentialScope.host(of:)).map { [$0] } ?? []) + definition.extraHosts
    }

    // MARK: Retry safety

    /// Requests the definition lists under `retry` may be sent again; so may one carrying its
    /// idempotency header, which the provider recognises; nothing else.
    public func retrySafety(of request: ProviderRequest) -> RetrySafety {
        let path = relativePath(of: request.url)
        if definition.retrySafe.contains(where: { $0.matches(method: request.method, path: path) }) { return .idempotent }
        if let idempotency = definition.idempotency, idempotency.methods.contains(request.method), let key = request.header(idempotency.header) {
            return .deduplicated(by: "\(idempotency.header) \(key)")
        }
        return .unsafe
    }

    /// A mutation whose answer was lost, found by the reference in its body before it is sent again.
    public func lookupBeforeResending(_ request: ProviderRequest) -> ExistingLookup? {
        let path = relativePath(of: request.url)
        guard let lookup = definition.lookups.first(where: { $0.request.matches(method: request.method, path: path) }),
            let body = request.body.flatMap({ try? JSONValue.parse($0) }), let reference = body[lookup.reference].flatMap(Self.text)
        else { return nil }
        return ExistingLookup(path: lookup.path, query: [(lookup.query, reference)]) { found in
            guard case .array(let items)? = lookup.items.map({ $0.find(in: found) }) ?? found else { return nil }
            let item = items.first { $0[lookup.match].flatMap(Self.text) == reference }
            return item.map { item in lookup.answer.map { .object([$0: item]) } ?? item }
        }
    }

    /// The declared idempotency header, for the methods it covers.
    public func idempotencyHeader(forMethod method: String) -> String? {
        definition.idempotency.flatMap { $0.methods.contains(method) ? $0.header : nil }
    }

    /// The URL's path less whichever base URL's path it starts with, as `retry` patterns are written.
    func relativePath(of url: String) -> String {
        let path = URLPath.of(url)
        let bytes = path.utf8
        for base in basePaths where bytes.starts(with: base.utf8) {
            // Whole segments only: the base `/v1` is not the start of `/v10/x`.
            let rest = bytes.dropFirst(base.utf8.count)
            guard rest.isEmpty || rest.first == UInt8(ascii: "/") else { continue }
            return rest.isEmpty ? "/" : String(decoding: rest, as: UTF8.self)
        }
        return path
    }

    // MARK: Answers

    public func result(of response: ProviderResponse, to request: ProviderRequest) throws(ProviderError) -> JSONValue {
        try parsedResult(of: response, to: request).value
    }

    public func parsedResult(of response: ProviderResponse, to request: ProviderRequest) throws(ProviderError) -> ProviderResult {
        let succeeded = (200..<300).contains(response.status)
        guard !response.body.isEmpty else {
            guard succeeded else { throw error(status: response.status, body: nil) }
            return .built(.null)
        }
        let body = try response.json(answering: request, from: name)
        guard succeeded, !isFlaggedError(body) else { throw error(status: response.status, body: body, bytes: response.body) }
        return .parsed(unwrapped(body))
    }

    public func listBody(of response: ProviderResponse, parsed body: JSONTape.Node) -> JSONTape.Node? {
        guard (200..<300).contains(response.status), !isFlaggedError(body) else { return nil }
        return unwrapped(body)
    }

    private func isFlaggedError(_ body: JSONTape.Node) -> Bool {
        definition.errors.flag.contains { $0.find(in: body)?.bool == true }
    }

    private func unwrapped(_ body: JSONTape.Node) -> JSONTape.Node {
        guard let envelope = definition.result, let inner = envelope.path.find(in: body) else { return body }
        guard envelope.marker.isEmpty || envelope.marker.contains(where: { body[$0] != nil }) else { return body }
        return inner
    }

    /// The provider's error, read from the paths the definition gives.
    private func error(status: Int, body: JSONTape.Node?, bytes: [UInt8] = []) -> ProviderError {
        let paths = definition.errors
        let code = body.flatMap { paths.code.first(in: $0) }.flatMap(Self.text)
        let message = body.flatMap { paths.message.first(in: $0) }.flatMap(Self.text)
        var details: [String: String] = [:]
        if let found = body.flatMap({ paths.details.first(in: $0) }) {
            switch found.value {
            case .object(let members): for (key, value) in members { details[key] = Self.text(value) ?? String(decoding: value.encoded(), as: UTF8.self) }
            case .array(let items): for (index, value) in items.enumerated() { details[String(index + 1)] = Self.text(value) ?? String(decoding: value.encoded(), as: UTF8.self) }
            case let value: details["details"] = Self.text(value)
            }
        }
        // With no message where the definition looks, the answer's first bytes say what to declare.
        let quoted = bytes.isEmpty ? "" : ": " + String(decoding: bytes.prefix(200), as: UTF8.self)
        let fallback = ((200..<300).contains(status) ? "an error in a \(status) answer" : "HTTP \(status)") + quoted
        var text = message ?? code ?? fallback
        if let meaning = paths.meanings[status] { text = message.map { "\(meaning): \($0)" } ?? meaning }
        return ProviderError(
            provider: name, status: status, code: code, message: text,
            retryable: RetryPolicy.isRetryable(status: status), details: details)
    }

    private static func text(_ node: JSONTape.Node) -> String? { text(node.value) }

    static func text(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): text
        case .integer(let number): String(number)
        case .exactNumber(let text): text
        case .number(let number): String(number)
        case .bool(let flag): String(flag)
        default: nil
        }
    }
}
