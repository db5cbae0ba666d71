// A client for one provider in one environment: builds the URL, signs with the provider's
// credentials (checked to go only to the provider's own host), sends with retries that never pay
// twice, and turns the answer into a result or a ProviderError.
import PayrunFormats

/// Sends requests to one provider.
public struct ProviderClient: Sendable {
    public let provider: any PaymentProvider
    public let environment: PayrunEnvironment
    /// e.g. `https://test-api.particeep.com/v1`.
    public let baseURL: String
    let credentials: ProviderCredentials
    let http: ProviderHTTPClient

    /// A response's result, with what came with it.
    public struct Reply: Sendable {
        /// The result, envelope removed.
        public let result: JSONValue
        public let status: Int
        public let headers: [(String, String)]
        /// How many times the request was sent.
        public let attempts: Int
        /// What the provider wants the user to know (a quota nearly spent).
        public let warning: String?
    }

    /// - Parameter sandboxServer: the base URL of the running simulators, for `sandbox`.
    /// - Throws: `ProviderError` when the provider has no such environment.
    public init(
        provider: any PaymentProvider, environment: PayrunEnvironment, credentials: ProviderCredentials,
        http: ProviderHTTPClient, sandboxServer: String? = nil
    ) throws(ProviderError) {
        guard let baseURL = provider.baseURL(in: environment, sandboxServer: sandboxServer) else {
            throw ProviderError(provider: provider.name, message: "\(provider.name) has no \(environment) environment"
                + (environment == .sandbox ? " (no simulator is running)" : ""))
        }
        self.provider = provider
        self.environment = environment
        self.baseURL = baseURL
        self.credentials = credentials
        self.http = http
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
        let (request, response) = try await send(method, path, query: query, body: body, headers: headers)
        let result = try provider.result(of: response, to: request)
        return Reply(
            result: result, status: response.status, headers: response.headers, attempts: response.attempts,
            warning: provider.warning(about: response))
    }

    /// Sends a request and returns the answer as it came, whatever its status, after any retries.
    /// - Throws: `ProviderError` only when there was no answer.
    public func send(
        _ method: String, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil, headers: [(String, String)] = []
    ) async throws(ProviderError) -> (ProviderRequest, ProviderResponse) {
        let request = try await signed(method, path, query: query, body: body, headers: headers)
        do {
            return (request, try await http.send(request))
        } catch {
            throw ProviderError(provider: provider.name, message: error.description, retryable: error.isRetryable)
        }
    }

    /// The request as it would be sent: URL built, body encoded, authentication added.
    public func signed(
        _ method: String, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil, headers: [(String, String)] = []
    ) async throws(ProviderError) -> ProviderRequest {
        let url = try url(path, query: query)
        var allHeaders = [("Accept", "application/json")]
        var bytes: [UInt8]?
        if let body {
            var writer = JSONWriter()
            writer.value(body)
            bytes = writer.bytes
            allHeaders.append(("Content-Type", "application/json"))
        }
        allHeaders += headers
        var request = ProviderRequest(method: method, url: url, headers: allHeaders, body: bytes)
        request.retrySafety = provider.retrySafety(of: request)
        if environment != .sandbox {
            // Secrets go to the provider's own HTTPS host and nowhere else.
            let scope = CredentialScope([provider.name: [HTTPTransport.schemeAndHost(baseURL)?.1 ?? ""]])
            for field in provider.credentialFields where !scope.allows(CredentialName(provider: provider.name, field: field), toward: url) {
                throw ProviderError(provider: provider.name, message: "refusing to send \(provider.name) credentials to \(url)")
            }
        }
        try await provider.sign(&request, with: credentials)
        return request
    }

    /// The URL of `path` with `query` percent-encoded.
    /// - Throws: `ProviderError` when `path` does not start with `/`.
    public func url(_ path: String, query: [(String, String)] = []) throws(ProviderError) -> String {
        guard path.hasPrefix("/") else {
            throw ProviderError(provider: provider.name, message: "the path '\(path)' must start with /, e.g. /user/search")
        }
        guard !query.isEmpty else { return baseURL + path }
        let encoded = query.map { "\(Self.percentEncoded($0.0))=\(Self.percentEncoded($0.1))" }.joined(separator: "&")
        return baseURL + path + (path.contains("?") ? "&" : "?") + encoded
    }

    /// RFC 3986: everything but unreserved characters is %XX.
    static func percentEncoded(_ text: String) -> String {
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
