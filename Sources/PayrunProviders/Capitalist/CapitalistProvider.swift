// Capitalist's Payments API (providers.md §3) as a payrun provider: every operation a form POST to
// one URL, `login` and the password added in Swift — plain, or RSA-encrypted with the key
// `get_token` returns (token reused until the server calls it invalid, error 20, then renewed
// once) — batches signed with the account's certificate key, and replies in JSON (asked for) or
// CSV, errors mapped with their documented meaning.
import Crypto
import CryptoExtras
import FoundationEssentials
import PayrunFormats
import PayrunProviderKit

public struct CapitalistProvider: PaymentProvider {
    public let name = "capitalist"
    /// Every request is a POST to one URL: the documented operations stand in for paths.
    public var endpoints: [String] { CapitalistExtension.operations.map(\.name) }
    /// `certificate` (PEM text) or `certificate_file` (a PEM file, maybe in Capitalist's
    /// encrypted form with `certificate_password`) signs batches; `pin` answers PIN verification.
    public let credentialFields = ["login", "password", "certificate", "certificate_file", "certificate_password", "pin"]
    /// Headers signing sets that hold nothing secret, shown as they are by `p:sign`.
    public let publicSigningHeaders: Set<String> = ["content-type", "x-response-format"]
    public let sandboxCredentials = [
        "login": "sandbox-capitalist", "password": "sandbox-capitalist-password",
        "certificate": SandboxCertificates.capitalistPrivateKeyPEM, "pin": "1234",
    ]

    public enum Authentication: Sendable {
        /// `plain_password` on every call.
        case plainPassword
        /// `get_token`, then the password encrypted with its RSA key (PKCS#1 v1.5), hex.
        case encryptedPassword
    }

    public var authentication = Authentication.encryptedPassword

    /// Operations that only read, which may be sent again after a failure.
    static let reads: Set<String> = [
        "get_token", "get_accounts", "get_batch_info", "get_documents_history_ext", "documents_search", "is_verified_account",
        "currency_rates",
    ]

    public init(authentication: Authentication = .encryptedPassword) {
        self.authentication = authentication
    }

    public func baseURL(in environment: PayrunEnvironment, sandboxServer: String?) -> String? {
        switch environment {
        case .sandbox: sandboxServer.map { $0 + "/capitalist" }
        case .test: nil
        case .live: "https://api.capitalist.net"
        }
    }

    /// The request's JSON body (the operation's fields, as the script gave them) becomes the form
    /// Capitalist reads, with `login`, the password and, for a batch to be signed, its signature.
    public func sign(_ request: inout ProviderRequest, in context: SigningContext) async throws(ProviderError) {
        var fields = try Self.fields(of: request)
        guard let operation = fields.first(where: { $0.0 == "operation" })?.1 else {
            throw ProviderError(provider: name, message: "no operation: call c:call(\"get_accounts\") or send {operation = ...}")
        }
        let login = try context.credentials.text("login")
        fields.removeAll { ["login", "plain_password", "token", "encrypted_password"].contains($0.0) }
        fields.insert(("login", login), at: 0)
        if operation != "get_token" {
            switch authentication {
            case .plainPassword:
                fields.append(("plain_password", try context.credentials.text("password")))
            case .encryptedPassword:
                let pair = try await context.cache.token("token").value(renewingWithin: 0) { () async throws(ProviderError) in
                    try await encryptedPassword(context, login: login)
                }
                let parts = pair.withBytes { String(decoding: $0, as: UTF8.self) }.split(separator: "\n")
                fields.append(("token", String(parts[0])))
                fields.append(("encrypted_password", String(parts[1])))
            }
        }
        if operation == "import_batch_advanced", !fields.contains(where: { $0.0 == "verification_data" }) {
            let kind = fields.first { $0.0 == "verification_type" }?.1
            let batch = fields.first { $0.0 == "batch" }?.1 ?? ""
            if kind == "SIGNATURE" {
                fields.append(("verification_data", try CapitalistCertificate.signature(of: batch, with: context.credentials)))
            } else if kind == "PIN" {
                let digest = Insecure.MD5.hash(data: Array(try context.credentials.text("pin").utf8))
                fields.append(("verification_data", Hex.string(digest)))
            }
        }
        request.body = Array(FormEncoding.encode(fields).utf8)
        request.label = operation
        request.headers.removeAll { $0.0.lowercased() == "content-type" }
        request.headers.append(("Content-Type", "application/x-www-form-urlencoded"))
        if request.header("x-response-format") == nil { request.headers.append(("x-response-format", "json")) }
    }

    /// `get_token`, then the password encrypted with the key it returned: kept together, as
    /// one secret, for as long as the server accepts the token.
    private func encryptedPassword(_ context: SigningContext, login: String) async throws(ProviderError) -> (Secret, Int) {
        guard let url = baseURL(in: context.environment, sandboxServer: context.sandboxServer) else {
            throw ProviderError(provider: name, message: "capitalist has no \(context.environment) environment")
        }
        let body = "login=\(FormEncoding.escape(login))&operation=get_token"
        var tokenRequest = ProviderRequest(
            method: "POST", url: url + "/",
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("x-response-format", "json"), ("Accept", "application/json")],
            body: Array(body.utf8), retrySafety: .idempotent)
        tokenRequest.label = "get_token"
        let response = try await context.send(tokenRequest)
        let reply: JSONValue
        do {
            reply = try Self.reply(response, provider: name)
        } catch {
            // Signing failed, so the operation never left: without the status of get_token's
            // answer, the error reads as one from before sending (a durable run journals it as
            // not sent, and sends it when resumed), not as Capitalist's answer to the operation.
            var failure = error
            failure.status = nil
            throw failure
        }
        guard let token = reply["token"]?.string, let pem = reply["rsa_public_key_pkcs1_pem"]?.string else {
            throw ProviderError(provider: name, message: "get_token answered without a token and key")
        }
        do {
            let key = try _RSA.Encryption.PublicKey(unsafePEMRepresentation: pem)
            let encrypted = try key.encrypt(Array(try context.credentials.text("password").utf8), padding: ._WEAK_AND_INSECURE_PKCS_V1_5)
            // Capitalist does not say how long a token lives: until it is refused (error 20).
            return (Secret(token + "\n" + Hex.string(encrypted)), 365 * 86400)
        } catch let error as ProviderError {
            throw error
        } catch {
            throw ProviderError(provider: name, message: "cannot encrypt the password with get_token's key (\(error))")
        }
    }

    /// Error 20 (invalid token): the token is forgotten and the request signed again with a new one.
    public func renewsAuthorization(after response: ProviderResponse, to request: ProviderRequest, in context: SigningContext) async -> Bool {
        guard authentication == .encryptedPassword, Self.code(of: response) == 20 else { return false }
        let form = FormEncoding.fields(String(decoding: request.body ?? [], as: UTF8.self))
        guard let token = form.first(where: { $0.0 == "token" })?.1, let encrypted = form.first(where: { $0.0 == "encrypted_password" })?.1
        else { return false }
        await context.cache.token("token").invalidate(Secret(token + "\n" + encrypted))
        return true
    }

    /// Reads may be sent again; `import_batch_advanced` and `process_batch` never are (Capitalist
    /// does not document refusing a payment number twice): look payments up with
    /// `documents_search` before paying again.
    /// Every operation is a POST; the documented reads are the ones named in ``reads``.
    public func isRead(_ request: ProviderRequest) -> Bool {
        guard let operation = try? Self.fields(of: request).first(where: { $0.0 == "operation" })?.1 else { return false }
        return Self.reads.contains(operation)
    }

    public func retrySafety(of request: ProviderRequest) -> RetrySafety {
        isRead(request) ? .idempotent : .unsafe
    }

    public func result(of response: ProviderResponse, to request: ProviderRequest) throws(ProviderError) -> JSONValue {
        try Self.reply(response, provider: name, operation: try? Self.fields(of: request).first(where: { $0.0 == "operation" })?.1)
    }

    /// The `data` of a reply in either format, or the error it carries.
    static func reply(_ response: ProviderResponse, provider: String, operation: String? = nil) throws(ProviderError) -> JSONValue {
        guard (200..<300).contains(response.status) else {
            throw ProviderError(provider: provider, status: response.status, message: "HTTP \(response.status)",
                                retryable: RetryPolicy.isRetryable(status: response.status))
        }
        if response.header("x-response-format")?.lowercased() == "csv" || response.body.first.map({ $0 != UInt8(ascii: "{") }) == true {
            return try CapitalistCSV.result(of: response.body, status: response.status, operation: operation, provider: provider)
        }
        guard let body = try? JSONValue.parse(response.body), let code = body["code"]?.integer else {
            throw ProviderError(provider: provider, status: response.status,
                                message: "the reply is not Capitalist's JSON; the first bytes: " + String(decoding: response.body.prefix(80), as: UTF8.self))
        }
        guard code == 0 else {
            var details: [String: String] = [:]
            if let line = body["data"]?["errorAtLine"]?.integer { details["errorAtLine"] = String(line) }
            throw error(code: code, text: body["message"]?.string ?? "", status: response.status, provider: provider, details: details)
        }
        return body["data"] ?? .object([:])
    }

    /// The documented meaning of `code`, then the server's own text when it says more.
    /// Capitalist answers its errors with HTTP `status` 200: the status says it answered, the
    /// code what went wrong.
    static func error(code: Int, text: String, status: Int, provider: String, details: [String: String] = [:]) -> ProviderError {
        let message: String
        switch (CapitalistErrorCodes.meanings[code], text.isEmpty) {
        case (let meaning?, true): message = meaning
        case (let meaning?, false): message = text.hasPrefix(meaning) ? text : "\(meaning): \(text)"
        case (nil, false): message = text
        case (nil, true): message = "error \(code)"
        }
        return ProviderError(provider: provider, status: status, code: String(code), message: message, retryable: code == 1, details: details)
    }

    /// The error code of a reply in either format, if it has one.
    static func code(of response: ProviderResponse) -> Int? {
        if let body = try? JSONValue.parse(response.body), let code = body["code"]?.integer { return code }
        return response.body.split(separator: UInt8(ascii: "\n")).first
            .flatMap { $0.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false).first }
            .flatMap { Int(String(decoding: $0, as: UTF8.self)) }
    }

    /// The operation's fields from the script's JSON body, as form text: numbers as written
    /// (decimals keep their digits, with `.`), booleans as 1 and 0.
    static func fields(of request: ProviderRequest) throws(ProviderError) -> [(String, String)] {
        guard let body = request.body, !body.isEmpty else { return [] }
        if body.first != UInt8(ascii: "{") {
            // Already a form (signed once and sent again).
            return FormEncoding.fields(String(decoding: body, as: UTF8.self))
        }
        guard case .object(let members)? = try? JSONValue.parse(body) else {
            throw ProviderError(provider: "capitalist", message: "an operation's fields must be a table of names to values")
        }
        return try members.sorted { $0.key < $1.key }.map { (name, value) throws(ProviderError) in
            switch value {
            case .string(let text): return (name, text)
            case .integer(let number): return (name, String(number))
            case .number(let number): return (name, number.description)
            case .exactNumber(let text): return (name, text)
            case .bool(let flag): return (name, flag ? "1" : "0")
            default: throw ProviderError(provider: "capitalist", message: "field '\(name)' must be a string, number or boolean")
            }
        }
    }

    /// Every operation goes to `/`, named in its fields: a script gives the operation's name as a path.
    public var pathHint: String? {
        "Capitalist's operations all go to /, named in their fields: c:call(\"get_accounts\"), "
            + "or c:paginate(\"/\", { operation = \"get_documents_history_ext\" })"
    }

    /// `p:paginate("/", {operation = "get_batch_info", batch_id = id})` pages by offset;
    /// `get_documents_history_ext` by page number; other operations are not lists.
    public func pagination(of path: String, query: [(String, String)]) -> PaginationScheme {
        switch query.first(where: { $0.0 == "operation" })?.1 {
        case "get_batch_info":
            .limitOffset(limit: "page_size", offset: "start_offset", items: "records", total: "totalCount", defaultLimit: 1000)
        case "get_documents_history_ext":
            .pageNumber(page: "page", size: "limit", items: "history", pageCount: ["pages", "pageCount"], first: 1, defaultSize: 1000)
        default:
            .none
        }
    }

    /// Every operation is a POST: a page's query goes as its fields.
    public func pageRequest(path: String, query: [(String, String)]) -> PageRequest {
        PageRequest(method: "POST", path: path, query: [], body: .object(Dictionary(query.map { ($0.0, JSONValue.string($0.1)) }, uniquingKeysWith: { $1 })))
    }

    /// The `data` of a JSON reply whose code is 0 (a CSV reply takes the slower way).
    public func listBody(of response: ProviderResponse, parsed body: JSONTape.Node) -> JSONTape.Node? {
        guard (200..<300).contains(response.status), body["code"]?.integer == 0 else { return nil }
        return body["data"]
    }

    public var luaExtension: ProviderLuaExtension? { CapitalistExtension.methods }
}
