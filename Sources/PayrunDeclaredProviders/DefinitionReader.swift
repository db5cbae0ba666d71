// Turns the table a definition file returns into a `ProviderDefinition`, field by field, so
// that every mistake is reported with the file, the field's path and what was expected. Unknown
// fields are mistakes too: a misspelt `pagniation` must not be silently ignored.
import LuaKit
import PayrunProviderKit

/// Reads one definition's table.
struct DefinitionReader {
    let file: String
    /// The file's text, to find where its `methods` begin; empty when not known.
    var source: [UInt8] = []

    /// A field of a table: its path for messages, and its value.
    struct Field {
        let path: String
        let value: LuaValue

        func child(_ name: String) -> Field {
            Field(path: path.isEmpty ? name : "\(path).\(name)", value: value.member(name))
        }

        func element(_ position: Int, _ value: LuaValue) -> Field {
            Field(path: "\(path)[\(position)]", value: value)
        }
    }

    func fail(_ field: Field, _ message: String) -> DefinitionError {
        DefinitionError(file: file, field: field.path, message: message)
    }

    func expected(_ what: String, _ field: Field) -> DefinitionError {
        fail(field, "expected \(what), got \(field.value.described)")
    }

    // MARK: The definition

    static let topLevel: Set<String> = [
        "name", "base_url", "hosts", "credentials", "sandbox_credentials", "auth", "pagination", "result", "errors",
        "retry", "idempotency", "lookups", "webhooks", "endpoints", "methods",
    ]

    func definition(_ value: LuaValue) throws(DefinitionError) -> ProviderDefinition {
        let root = Field(path: "", value: Self.emptyTablesAsTables(value))
        guard case .dictionary = value else {
            throw DefinitionError(file: file, field: "", message: "the file must return a table describing the provider, got \(value.described)")
        }
        try onlyKnown(root, Self.topLevel)
        let name = try string(root.child("name"))
        guard Self.isName(name) else {
            throw fail(root.child("name"), "expected lower-case letters, digits and _, starting with a letter (it names credentials: \(name.isEmpty ? "name" : name).api_key), got \"\(name)\"")
        }
        let credentials = try list(root.child("credentials"), optional: true) { (field) throws(DefinitionError) in
            let text = try string(field)
            guard Self.isName(text) else { throw expected("a credential field name (lower-case letters, digits and _)", field) }
            return text
        }
        if let repeated = credentials.enumerated().first(where: { credentials.prefix($0.offset).contains($0.element) }) {
            throw fail(root.child("credentials"), "'\(repeated.element)' is named twice")
        }
        let known = Set(credentials)
        let (baseURLs, sandbox) = try baseURLs(root.child("base_url"))
        let hosts = try list(root.child("hosts"), optional: true, string)
        let definition = ProviderDefinition(
            name: name, file: file, baseURLs: baseURLs, sandboxBase: sandbox, extraHosts: hosts,
            credentialFields: credentials,
            sandboxCredentials: try sandboxCredentials(root.child("sandbox_credentials"), known: known),
            auth: try auth(root.child("auth"), credentials: known),
            pagination: try pagination(root.child("pagination"), allowsPaths: true),
            paginationByPath: try paginationByPath(root.child("pagination").child("paths")),
            result: try result(root.child("result")),
            errors: try errors(root.child("errors")),
            retrySafe: try retry(root.child("retry")),
            idempotency: try idempotency(root.child("idempotency")),
            lookups: try list(root.child("lookups"), optional: true, lookup),
            webhooks: try webhooks(root.child("webhooks"), credentials: known),
            endpoints: try list(root.child("endpoints"), optional: true, string),
            methods: try methods(root.child("methods")))
        try DefinitionHosts.check(definition)
        // A key in a header auth sets could never be sent: every mutation would be refused as
        // a script's own Authorization is.
        if let header = definition.idempotency?.header, definition.auth.contains(where: { $0.headerNames.contains { $0.lowercased() == header.lowercased() } }) {
            throw fail(root.child("idempotency").child("header"), "\(header) is a header auth sets; name the header the provider takes idempotency keys in, such as Idempotency-Key")
        }
        return definition
    }

    /// Lua cannot tell an empty list from an empty table (both `{}`); here every `{}` is a table,
    /// which a list also accepts.
    static func emptyTablesAsTables(_ value: LuaValue) -> LuaValue {
        switch value {
        case .array(let items) where items.isEmpty: .dictionary([:])
        case .array(let items): .array(items.map(emptyTablesAsTables))
        case .dictionary(let entries): .dictionary(entries.mapValues(emptyTablesAsTables))
        default: value
        }
    }

    static func isName(_ text: String) -> Bool {
        guard let first = text.first, first.isASCII, first.isLowercase else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }
    }

    private func baseURLs(_ field: Field) throws(DefinitionError) -> ([PayrunEnvironment: String], String?) {
        guard case .dictionary = field.value else { throw expected("a table of base URLs by environment, like { test = \"https://…\", live = \"https://…\" }", field) }
        try onlyKnown(field, ["sandbox", "test", "live"])
        var urls: [PayrunEnvironment: String] = [:]
        for environment in [PayrunEnvironment.test, .live] {
            let entry = field.child(environment.rawValue)
            guard entry.value != .nil else { continue }
            let url = try baseURL(entry)
            guard url.hasPrefix("https://") || (url.hasPrefix("http://") && Self.isLoopback(url)) else {
                throw expected("an https:// URL (plain http only to this machine)", entry)
            }
            urls[environment] = url.hasSuffix("/") ? String(url.dropLast()) : url
        }
        let sandboxField = field.child("sandbox")
        var sandbox: String?
        if sandboxField.value != .nil {
            let text = try string(sandboxField)
            if !text.hasPrefix("/") { _ = try baseURL(sandboxField) }
            let cleanPath = !text.contains("?") && !text.contains("#") && !text.split(separator: "/").contains("..")
            guard (text.hasPrefix("/") && cleanPath) || (text.hasPrefix("http://") && Self.isLoopback(text)) else {
                throw expected("a path under payrun's simulators (/acme/v1) or a loopback URL (http://127.0.0.1:8080)", sandboxField)
            }
            sandbox = text.hasSuffix("/") ? String(text.dropLast()) : text
        }
        guard !urls.isEmpty || sandbox != nil else { throw fail(field, "no environment has a base URL: give test, live or sandbox") }
        return (urls, sandbox)
    }

    static func isLoopback(_ url: String) -> Bool {
        guard let host = CredentialScope.host(of: url) else { return false }
        let name = host.hasPrefix("[") ? String(host.prefix { $0 != "]" }) + "]" : String(host.prefix { $0 != ":" })
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        let ipv4 = octets.count == 4 && octets[0] == "127" && octets.allSatisfy { Int($0).map { (0...255).contains($0) } ?? false }
        return name == "localhost" || name == "[::1]" || ipv4
    }

    /// An absolute http(s) URL with a host, and nothing a base URL cannot have: no user or
    /// password (`https://x@host`), query, fragment, `..` or spaces.
    func baseURL(_ field: Field) throws(DefinitionError) -> String {
        let url = try string(field)
        let parts = url.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        let wellFormed = (url.hasPrefix("https://") || url.hasPrefix("http://")) && parts.count >= 3 && !parts[2].isEmpty
            && !url.contains("@") && !url.contains("?") && !url.contains("#") && !url.split(separator: "/").contains("..")
            && !url.unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7F } && CredentialScope.host(of: url) != nil
        guard wellFormed else {
            throw expected("a URL like https://api.example.com/v1 (no user, password, query or fragment)", field)
        }
        return url
    }

    private func sandboxCredentials(_ field: Field, known: Set<String>) throws(DefinitionError) -> [String: String] {
        guard field.value != .nil else { return [:] }
        guard case .dictionary(let entries) = field.value else { throw expected("a table of the simulator's public credentials", field) }
        var values: [String: String] = [:]
        for (key, _) in entries {
            guard let name = key.text, known.contains(name) else {
                throw fail(field, "\(key.described) is not one of the credentials this definition declares (\(known.sorted().joined(separator: ", ")))")
            }
            values[name] = try string(field.child(name))
        }
        return values
    }

    // MARK: Authentication

    private func auth(_ field: Field, credentials: Set<String>) throws(DefinitionError) -> [AuthScheme] {
        switch field.value {
        case .nil: return []
        case .dictionary: return [try authScheme(field, credentials: credentials)]
        case .array(let items):
            var schemes: [AuthScheme] = []
            for (index, item) in items.enumerated() { schemes.append(try authScheme(field.element(index + 1, item), credentials: credentials)) }
            return schemes
        default: throw expected("a table such as { kind = \"bearer\", credential = \"api_key\" }, or a list of them", field)
        }
    }

    private func authScheme(_ field: Field, credentials: Set<String>) throws(DefinitionError) -> AuthScheme {
        try noFunctions(field, why: "signing runs in Swift, with data the definition declares")
        let kind = try choice(field.child("kind"), ["header", "bearer", "basic", "query", "oauth2", "hmac"])
        func credential(_ name: String, optional: Bool = false) throws(DefinitionError) -> String? {
            let entry = field.child(name)
            if optional && entry.value == .nil { return nil }
            return try credentialName(entry, credentials: credentials)
        }
        switch kind {
        case "header":
            try onlyKnown(field, ["kind", "name", "credential", "value", "optional"])
            let name = try headerName(field.child("name"))
            let value: Template
            if field.child("value").value != .nil {
                // One or the other: with both, `credential` would be dropped without a word.
                if field.child("credential").value != .nil {
                    throw fail(field.child("credential"), "give the header's value in 'value' ({field} names a credential in it) or its credential in 'credential', not both")
                }
                value = try template(field.child("value"), credentials: credentials, extra: [])
            } else {
                value = Template(pieces: [.value(try credential("credential")!)])
            }
            return .header(name: name, value: value, optional: try bool(field.child("optional"), default: false))
        case "bearer":
            try onlyKnown(field, ["kind", "credential"])
            return .bearer(credential: try credential("credential")!)
        case "basic":
            try onlyKnown(field, ["kind", "username", "password"])
            return .basic(username: try credential("username")!, password: try credential("password", optional: true))
        case "query":
            try onlyKnown(field, ["kind", "name", "credential"])
            return .query(name: try string(field.child("name")), credential: try credential("credential")!)
        case "oauth2":
            try onlyKnown(field, ["kind", "token_url", "client_id", "client_secret", "scope", "client_authentication"])
            let tokenField = field.child("token_url")
            let tokenURL = try string(tokenField)
            if tokenURL.hasPrefix("/") {
                guard !tokenURL.contains("?"), !tokenURL.contains("#"), !tokenURL.split(separator: "/").contains(".."),
                    !tokenURL.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F })
                else { throw expected("a path on the base URL's host, like /oauth/token", tokenField) }
            } else {
                _ = try baseURL(tokenField)
                guard tokenURL.hasPrefix("https://") || (tokenURL.hasPrefix("http://") && Self.isLoopback(tokenURL)) else {
                    throw expected("an https:// URL, or a path on the base URL's host (/oauth/token)", tokenField)
                }
            }
            let sending = field.child("client_authentication")
            let basic = sending.value == .nil ? true : try choice(sending, ["basic", "body"]) == "basic"
            return .oauth2(OAuthClientCredentials(
                tokenURL: tokenURL, clientID: try credential("client_id")!, clientSecret: try credential("client_secret")!,
                scope: field.child("scope").value == .nil ? nil : try string(field.child("scope")), basicAuthentication: basic))
        default:
            try onlyKnown(field, ["kind", "algorithm", "key", "message", "separator", "encoding", "timestamp", "headers"])
            if case .dictionary = field.child("timestamp").value {
                throw expected("the timestamp's format: \"iso8601\", \"unix\" or \"unix_ms\" (put it in a header with headers = { [\"X-Timestamp\"] = \"{timestamp}\" })", field.child("timestamp"))
            }
            let signature = try hmac(field, credentials: credentials, timestamp: field.child("timestamp"))
            let headersField = field.child("headers")
            guard case .dictionary(let entries) = headersField.value, !entries.isEmpty else {
                throw expected("a table of the headers to send, like { Authorization = \"HMAC {api_key}:{signature}\" }", headersField)
            }
            var headers: [(String, Template)] = []
            for key in entries.keys {
                guard key.text != nil else { throw fail(headersField, "\(key.described) is not a header name: write { [\"X-Signature\"] = \"{signature}\" }") }
            }
            for key in entries.keys.compactMap(\.text).sorted() {
                let name = try headerName(Field(path: "\(headersField.path).\(key)", value: .string(LuaString(key))))
                headers.append((name, try template(headersField.child(key), credentials: credentials, extra: ["signature", "timestamp", "nonce"])))
            }
            guard headers.contains(where: { $0.1.names.contains("signature") }) else {
                throw fail(headersField, "no header carries {signature}")
            }
            return .hmac(HMACRequestSigning(signature: signature, headers: headers.map { HMACRequestSigning.Header(name: $0.0, value: $0.1) }))
        }
    }

    /// The signature's own fields, shared by request signing and webhooks.
    func hmac(_ field: Field, credentials: Set<String>, timestamp: Field) throws(DefinitionError) -> HMACSignature {
        let algorithm = try choice(field.child("algorithm"), HMACSignature.Algorithm.allCases.map(\.rawValue))
        let format: HMACSignature.TimestampFormat
        switch timestamp.value {
        case .nil: format = .unix
        case .dictionary where timestamp.child("format").value == .nil: format = .unix
        case .dictionary: format = try HMACSignature.TimestampFormat(rawValue: choice(timestamp.child("format"), HMACSignature.TimestampFormat.allCases.map(\.rawValue)))!
        default: format = try HMACSignature.TimestampFormat(rawValue: choice(timestamp, HMACSignature.TimestampFormat.allCases.map(\.rawValue)))!
        }
        let messageField = field.child("message")
        let parts = try list(messageField, optional: false) { (part) throws(DefinitionError) -> HMACSignature.Part in
            switch part.value {
            case .string:
                let word = try choice(part, ["method", "path", "query", "body", "timestamp", "nonce"])
                return switch word {
                case "method": .method
                case "path": .path
                case "query": .query
                case "body": .body
                case "timestamp": .timestamp
                default: .nonce
                }
            case .dictionary(let entries) where entries.count == 1:
                if part.child("credential").value != .nil { return .credential(try credentialName(part.child("credential"), credentials: credentials)) }
                if part.child("literal").value != .nil { return .literal(try string(part.child("literal"))) }
                if part.child("header").value != .nil { return .header(try headerName(part.child("header"))) }
                throw expected("{ credential = \"…\" }, { literal = \"…\" } or { header = \"…\" }", part)
            default:
                throw expected("a part: \"method\", \"path\", \"query\", \"body\", \"timestamp\", \"nonce\", { credential = \"…\" }, { literal = \"…\" } or { header = \"…\" }", part)
            }
        }
        guard !parts.isEmpty else { throw fail(messageField, "the message has no parts") }
        let separator = field.child("separator").value == .nil ? "" : try string(field.child("separator"))
        let key = try credentialName(field.child("key"), credentials: credentials)
        // Last: a forgotten encoding (it has no default) would otherwise hide the mistakes above.
        let encoding = try choice(field.child("encoding"), HMACSignature.Encoding.allCases.map(\.rawValue))
        return HMACSignature(
            algorithm: HMACSignature.Algorithm(rawValue: algorithm)!, key: key,
            message: parts, separator: separator, encoding: HMACSignature.Encoding(rawValue: encoding)!, timestampFormat: format)
    }

    // MARK: Answers

    private func pagination(_ field: Field, allowsPaths: Bool = false) throws(DefinitionError) -> PaginationScheme {
        guard field.value != .nil else { return .none }
        try noFunctions(field, why: "paging is declared")
        let kind = try choice(field.child("kind"), ["offset", "page", "cursor", "link"])
        let items = try string(field.child("items"), default: "data")
        func onlyKnown(_ field: Field, _ known: Set<String>) throws(DefinitionError) {
            try self.onlyKnown(field, allowsPaths ? known.union(["paths"]) : known)
        }
        switch kind {
        case "offset":
            try onlyKnown(field, ["kind", "limit", "offset", "items", "total", "default_limit"])
            return .limitOffset(
                limit: try string(field.child("limit"), default: "limit"), offset: try string(field.child("offset"), default: "offset"),
                items: items, total: field.child("total").value == .nil ? nil : try string(field.child("total")),
                defaultLimit: try positive(field.child("default_limit"), default: 100))
        case "page":
            try onlyKnown(field, ["kind", "page", "size", "items", "page_count", "first", "default_size"])
            return .pageNumber(
                page: try string(field.child("page"), default: "page"), size: try string(field.child("size"), default: "per_page"),
                items: items, pageCount: try path(field.child("page_count"), optional: true)?.memberNames(reader: self, field.child("page_count")) ?? [],
                first: try integer(field.child("first"), default: 1), defaultSize: try positive(field.child("default_size"), default: 100))
        case "cursor":
            try onlyKnown(field, ["kind", "cursor", "limit", "items", "next", "after_item", "more", "default_limit"])
            if field.child("after_item").value != .nil {
                guard field.child("next").value == .nil else { throw fail(field, "give next (the next cursor's path in a page) or after_item (the item member the next page starts after), not both") }
                return .afterItem(
                    cursor: try string(field.child("cursor"), default: "starting_after"), limit: try string(field.child("limit"), default: "limit"),
                    items: items, key: try string(field.child("after_item")),
                    more: try path(field.child("more"), optional: true)?.memberNames(reader: self, field.child("more")) ?? [],
                    defaultLimit: try positive(field.child("default_limit"), default: 100))
            }
            guard field.child("next").value != .nil else {
                throw fail(field, "a cursor needs next (the path of the next page's cursor in a page) or after_item (the member of the last item the next page starts after, with more)")
            }
            guard let next = try path(field.child("next"), optional: false) else { throw expected("the path of the next cursor in a page", field.child("next")) }
            return .cursor(
                cursor: try string(field.child("cursor"), default: "cursor"), limit: try string(field.child("limit"), default: "limit"),
                items: items, next: try next.memberNames(reader: self, field.child("next")),
                defaultLimit: try positive(field.child("default_limit"), default: 100))
        default:
            try onlyKnown(field, ["kind", "limit", "items", "default_limit"])
            return .link(
                limit: try string(field.child("limit"), default: "limit"),
                items: field.child("items").value == .nil ? nil : items,
                defaultLimit: try positive(field.child("default_limit"), default: 100))
        }
    }

    /// `pagination.paths`: `{ ["/events"] = { kind = "link" } }`.
    private func paginationByPath(_ field: Field) throws(DefinitionError) -> [(path: RequestPattern, scheme: PaginationScheme)] {
        switch field.value {
        case .nil: return []
        case .dictionary(let entries):
            var schemes: [(path: RequestPattern, scheme: PaginationScheme)] = []
            for path in entries.keys.compactMap(\.text).sorted() {
                guard path.hasPrefix("/") else { throw fail(field, "\"\(path)\" is not a path from the base URL, like /events") }
                schemes.append((RequestPattern(method: "GET", path: path), try pagination(field.child(path))))
            }
            return schemes
        default: throw expected("a table of paging schemes by path, like { [\"/events\"] = { kind = \"link\" } }", field)
        }
    }

    private func result(_ field: Field) throws(DefinitionError) -> ResultEnvelope? {
        switch field.value {
        case .nil: return nil
        case .string: return ResultEnvelope(path: try path(field, optional: false)!, marker: [])
        case .dictionary:
            try onlyKnown(field, ["path", "when"])
            return ResultEnvelope(path: try path(field.child("path"), optional: false)!, marker: try list(field.child("when"), optional: true, string))
        default: throw expected("the path of the result in an answer (\"data\"), or { path = \"result\", when = { \"meta\" } }", field)
        }
    }

    private func errors(_ field: Field) throws(DefinitionError) -> ErrorPaths {
        guard field.value != .nil else { return ErrorPaths() }
        guard case .dictionary = field.value else { throw expected("a table of paths: { code = \"error.code\", message = \"error.message\" }", field) }
        try onlyKnown(field, ["flag", "code", "message", "details", "meanings"])
        return ErrorPaths(
            flag: try paths(field.child("flag")), code: try paths(field.child("code")),
            message: try paths(field.child("message")), details: try paths(field.child("details")),
            meanings: try meanings(field.child("meanings")))
    }

    /// `{ [401] = "the key was refused: check acme.api_key" }`.
    private func meanings(_ field: Field) throws(DefinitionError) -> [Int: String] {
        let entries: [LuaValue: LuaValue]
        switch field.value {
        case .nil: return [:]
        case .dictionary(let table): entries = table
        case .array(let items): entries = Dictionary(uniqueKeysWithValues: items.enumerated().map { (LuaValue.integer($0.offset + 1), $0.element) })
        default: throw expected("a table of texts by HTTP status, like { [401] = \"the key was refused\" }", field)
        }
        var meanings: [Int: String] = [:]
        for (key, value) in entries {
            guard let status = key.integer, (400...599).contains(status) else { throw fail(field, "\(key.described) is not an HTTP error status (400 to 599)") }
            meanings[status] = try string(Field(path: "\(field.path)[\(status)]", value: value))
        }
        return meanings
    }

    /// One path, or a list of them tried in order.
    private func paths(_ field: Field) throws(DefinitionError) -> [JSONPath] {
        switch field.value {
        case .nil: return []
        case .string: return [try path(field, optional: false)!]
        case .array: return try list(field, optional: false) { (entry) throws(DefinitionError) in try path(entry, optional: false)! }
        default: throw expected("a path like \"error.message\", or a list of paths tried in order", field)
        }
    }

    private func retry(_ field: Field) throws(DefinitionError) -> [RequestPattern] {
        guard field.value != .nil else { return ["GET", "HEAD", "OPTIONS"].map { RequestPattern(method: $0, path: nil) } }
        return try list(field, optional: false) { (entry) throws(DefinitionError) -> RequestPattern in
            switch entry.value {
            case .string: return RequestPattern(method: try method(entry), path: nil)
            case .dictionary:
                try onlyKnown(entry, ["method", "path"])
                let path = try string(entry.child("path"))
                guard path.hasPrefix("/") else { throw expected("a path from the base URL, like /refunds/{id} or /exports/*", entry.child("path")) }
                return RequestPattern(method: try method(entry.child("method")), path: path)
            default: throw expected("a method (\"GET\") or { method = \"POST\", path = \"/refunds/{id}\" }", entry)
            }
        }
    }

    private func idempotency(_ field: Field) throws(DefinitionError) -> Idempotency? {
        guard field.value != .nil else { return nil }
        guard case .dictionary = field.value else { throw expected("{ header = \"Idempotency-Key\", methods = { \"POST\" } }", field) }
        try onlyKnown(field, ["header", "methods"])
        let methods = field.child("methods").value == .nil ? ["POST"] : try list(field.child("methods"), optional: false, method)
        return Idempotency(header: try headerName(field.child("header")), methods: Set(methods))
    }

    /// `{ method = "POST", path = "/payments", reference = "track_id", find = "/payments", query = "track_id",
    ///    items = "data", match = "track_id", answer = "request" }`.
    private func lookup(_ field: Field) throws(DefinitionError) -> ResendLookup {
        guard case .dictionary = field.value else { throw expected("a table: { method = \"POST\", path = \"/payments\", reference = \"track_id\", find = \"/payments\" }", field) }
        try onlyKnown(field, ["method", "path", "reference", "find", "query", "items", "match", "answer"])
        let reference = try string(field.child("reference"))
        let path = try string(field.child("path"))
        let find = try string(field.child("find"))
        for (name, text) in [("path", path), ("find", find)] where !text.hasPrefix("/") {
            throw expected("a path from the base URL, like /payments", field.child(name))
        }
        return ResendLookup(
            request: RequestPattern(method: try method(field.child("method")), path: path), reference: reference, path: find,
            query: try string(field.child("query"), default: reference), items: try self.path(field.child("items"), optional: true),
            match: try string(field.child("match"), default: reference),
            answer: field.child("answer").value == .nil ? nil : try string(field.child("answer")))
    }

    /// Lua source returning a table of client methods; each method's annotations are the `---`
    /// lines just above its `function`.
    private func methods(_ field: Field) throws(DefinitionError) -> ProviderLuaExtension? {
        guard field.value != .nil else { return nil }
        guard case .string = field.value else {
            throw expected("Lua source, in [[ ]], that returns a table of methods (functions here would run in the definition's own state, not the script's)", field)
        }
        let source = try string(field)
        let annotations = MethodAnnotations.read(source)
        guard !annotations.isEmpty else {
            throw fail(field, "no methods found: write each as `function m:name(...)`, with `---` lines above it saying what it does")
        }
        // Padded to start on the file's line, so that an error in a method names the file and its line.
        let padded = String(repeating: "\n", count: max(0, line(of: source) - 1)) + source
        let chunkName = "@" + file
        do throws(LuaError) {
            // Compiled now: a syntax error makes the definition unusable, said by `payrun providers`, not at first use.
            _ = try LuaState().load(padded, chunkName: chunkName)
        } catch {
            // `file:12: ')' expected …`, the file's name shortened by Lua when it is long.
            let message = error.message.firstMatch(of: /:(\d+):\s/).map { "line \($0.1): " + error.message[$0.range.upperBound...] } ?? error.message
            throw fail(field, "does not compile: " + message)
        }
        return ProviderLuaExtension(source: padded, annotations: annotations, chunkName: chunkName)
    }

    /// The file's line `text` (a long string's contents) starts on; 1 when it cannot be found.
    /// Looked for as Lua read it: a line break is one `\n`, whether the file wrote `\n` or `\r\n`.
    private func line(of text: String) -> Int {
        var file = self.source
        file.removeAll { $0 == UInt8(ascii: "\r") }
        let wanted = Array(text.utf8).filter { $0 != UInt8(ascii: "\r") }
        guard !wanted.isEmpty, let start = file.indices.first(where: { file[$0...].starts(with: wanted) }) else { return 1 }
        return file[..<start].count(where: { $0 == UInt8(ascii: "\n") }) + 1
    }

    // MARK: Webhooks

    private func webhooks(_ field: Field, credentials: Set<String>) throws(DefinitionError) -> WebhookRules? {
        guard field.value != .nil else { return nil }
        try noFunctions(field, why: "webhooks are verified in Swift")
        let kind = try choice(field.child("kind"), ["standard", "stripe", "hmac", "header", "basic"])
        let shared: Set<String> = ["kind", "tolerance", "type", "id"]
        let scheme: WebhookScheme
        switch kind {
        case "standard":
            try onlyKnown(field, shared.union(["secret"]))
            scheme = .standard(secret: try credentialName(field.child("secret"), credentials: credentials))
        case "stripe":
            try onlyKnown(field, shared.union(["secret", "header"]))
            scheme = .stripe(
                secret: try credentialName(field.child("secret"), credentials: credentials),
                header: try field.child("header").value == .nil ? "Stripe-Signature" : headerName(field.child("header")))
        case "hmac":
            try onlyKnown(field, shared.union(["algorithm", "key", "message", "separator", "encoding", "timestamp", "header", "value"]))
            let timestamp = field.child("timestamp")
            var timestampHeader: String?
            if case .dictionary = timestamp.value {
                try onlyKnown(timestamp, ["header", "format"])
                timestampHeader = try headerName(timestamp.child("header"))
            }
            let signature = try hmac(field, credentials: credentials, timestamp: timestamp)
            if signature.message.contains(.timestamp), timestampHeader == nil {
                throw fail(timestamp, "the message signs a timestamp: say which header carries it, { header = \"X-Timestamp\", format = \"unix\" }")
            }
            if signature.message.contains(where: { [.nonce, .method, .query, .path].contains($0) }) {
                throw fail(field.child("message"), "a webhook's message can sign the body, the timestamp, headers, credentials and literals")
            }
            if timestampHeader != nil, !signature.message.contains(.timestamp) {
                throw fail(timestamp, "the timestamp header is checked for age but not signed: add \"timestamp\" to the message, or a forger could send an old webhook with a fresh time")
            }
            let value = field.child("value").value == .nil ? Template(pieces: [.value("signature")])
                : try template(field.child("value"), credentials: credentials, extra: ["signature", "timestamp"])
            guard value.names.contains("signature") else { throw fail(field.child("value"), "the header's value must hold {signature}") }
            scheme = .hmac(signature, header: try headerName(field.child("header")), value: value, timestampHeader: timestampHeader)
        case "header":
            try onlyKnown(field, shared.union(["name", "credential"]))
            scheme = .header(name: try headerName(field.child("name")), credential: try credentialName(field.child("credential"), credentials: credentials))
        default:
            try onlyKnown(field, shared.union(["username", "password"]))
            scheme = .basic(
                username: try credentialName(field.child("username"), credentials: credentials),
                password: try credentialName(field.child("password"), credentials: credentials))
        }
        return WebhookRules(
            scheme: scheme, tolerance: try positive(field.child("tolerance"), default: 300),
            type: try source(field.child("type")), id: try source(field.child("id")))
    }

    private func source(_ field: Field) throws(DefinitionError) -> FieldSource? {
        switch field.value {
        case .nil: return nil
        case .string: return .body(try path(field, optional: false)!)
        case .dictionary:
            try onlyKnown(field, ["header"])
            return .header(try headerName(field.child("header")))
        default: throw expected("a path in the body (\"type\") or { header = \"X-Event-Type\" }", field)
        }
    }

    // MARK: Values

    func string(_ field: Field) throws(DefinitionError) -> String {
        guard case .string(let string) = field.value, let text = string.text else {
            throw expected(field.value == .nil ? "a string (it is required)" : "a string", field)
        }
        return text
    }

    func string(_ field: Field, default fallback: String) throws(DefinitionError) -> String {
        field.value == .nil ? fallback : try string(field)
    }

    private func integer(_ field: Field, default fallback: Int) throws(DefinitionError) -> Int {
        if field.value == .nil { return fallback }
        guard let value = field.value.integer else { throw expected("an integer", field) }
        return value
    }

    private func positive(_ field: Field, default fallback: Int) throws(DefinitionError) -> Int {
        let value = try integer(field, default: fallback)
        guard value > 0 else { throw expected("a positive integer", field) }
        return value
    }

    private func bool(_ field: Field, default fallback: Bool) throws(DefinitionError) -> Bool {
        switch field.value {
        case .nil: fallback
        case .boolean(let value): value
        default: throw expected("true or false", field)
        }
    }

    func choice(_ field: Field, _ choices: [String]) throws(DefinitionError) -> String {
        guard case .string(let string) = field.value, let text = string.text, choices.contains(text) else {
            throw expected("one of " + choices.map { "\"\($0)\"" }.joined(separator: ", "), field)
        }
        return text
    }

    private func method(_ field: Field) throws(DefinitionError) -> String {
        let text = try string(field)
        let methods = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]
        guard methods.contains(text.uppercased()) else { throw expected("an HTTP method: " + methods.joined(separator: ", "), field) }
        return text.uppercased()
    }

    func headerName(_ field: Field) throws(DefinitionError) -> String {
        let text = try string(field)
        let allowed = "!#$%&'*+-.^_`|~"
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || allowed.contains($0)) }) else {
            throw expected("a header name (letters, digits and -)", field)
        }
        guard !Self.framingHeaders.contains(text.lowercased()) else {
            throw fail(field, "\(text) is set by payrun's HTTP client, not by a definition")
        }
        return text
    }

    /// Headers that frame or route the request, which only the HTTP client sets.
    static let framingHeaders: Set<String> = [
        "host", "content-length", "transfer-encoding", "connection", "keep-alive", "te", "trailer", "upgrade", "proxy-authorization",
        "proxy-connection", "accept", "content-type",
    ]

    func credentialName(_ field: Field, credentials: Set<String>) throws(DefinitionError) -> String {
        guard case .string(let string) = field.value, let name = string.text else {
            throw expected("the name of one of the credentials in `credentials` (a definition names a credential; its value stays in Swift)", field)
        }
        guard credentials.contains(name) else {
            guard !credentials.isEmpty else {
                throw fail(field, "\"\(name)\" is not declared: the definition has no credentials list; add credentials = { \"\(name)\" }")
            }
            throw fail(field, "\"\(name)\" is not declared in `credentials` (\(credentials.sorted().joined(separator: ", ")))")
        }
        return name
    }

    private func template(_ field: Field, credentials: Set<String>, extra: Set<String>) throws(DefinitionError) -> Template {
        let text = try string(field)
        guard !text.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }) else {
            throw fail(field, "a header value cannot hold a line break or other control character")
        }
        let template: Template
        do {
            template = try Template(parsing: text)
        } catch {
            throw fail(field, error.message)
        }
        for name in template.names where !credentials.contains(name) && !extra.contains(name) {
            let choices = (extra.sorted() + credentials.sorted()).map { "{\($0)}" }.joined(separator: ", ")
            throw fail(field, "{\(name)} is neither a declared credential nor a value payrun fills in (\(choices))")
        }
        return template
    }

    private func path(_ field: Field, optional: Bool) throws(DefinitionError) -> JSONPath? {
        if optional && field.value == .nil { return nil }
        let text = try string(field)
        do {
            return try JSONPath(parsing: text)
        } catch {
            throw fail(field, error.message)
        }
    }

    func list<Element>(_ field: Field, optional: Bool, _ read: (Field) throws(DefinitionError) -> Element) throws(DefinitionError) -> [Element] {
        switch field.value {
        case .nil where optional: return []
        case .dictionary(let entries) where entries.isEmpty: return []
        case .array(let items):
            var elements: [Element] = []
            for (index, item) in items.enumerated() { elements.append(try read(field.element(index + 1, item))) }
            return elements
        default: throw expected("a list", field)
        }
    }

    /// Refuses members the definition format does not have.
    func onlyKnown(_ field: Field, _ known: Set<String>) throws(DefinitionError) {
        guard case .dictionary(let entries) = field.value else { return }
        for key in entries.keys {
            guard let name = key.text, known.contains(name) else {
                throw fail(field, "unknown field \(key.described); the fields here are \(known.sorted().joined(separator: ", "))")
            }
        }
    }

    /// Refuses a function anywhere under `field`.
    private func noFunctions(_ field: Field, why: String) throws(DefinitionError) {
        switch field.value {
        case .function: throw fail(field, "a function is not allowed here: \(why)")
        case .array(let items):
            for (index, item) in items.enumerated() { try noFunctions(field.element(index + 1, item), why: why) }
        case .dictionary(let entries):
            for (key, value) in entries {
                let path = key.text.map { field.path.isEmpty ? $0 : "\(field.path).\($0)" } ?? "\(field.path)[\(key.described)]"
                try noFunctions(Field(path: path, value: value), why: why)
            }
        default: break
        }
    }
}

extension JSONPath {
    /// Member names only, for the paginator's paths.
    func memberNames(reader: DefinitionReader, _ field: DefinitionReader.Field) throws(DefinitionError) -> [String] {
        var names: [String] = []
        for step in steps {
            guard case .member(let name) = step else { throw reader.fail(field, "array positions are not allowed in this path") }
            names.append(name)
        }
        return names
    }
}

extension LuaValue {
    /// A table's member `name`; nil for anything else.
    func member(_ name: String) -> LuaValue {
        if case .dictionary(let entries) = self { return entries[.string(LuaString(name))] ?? .nil }
        return .nil
    }

    /// How a value appears in a message: strings quoted, tables and functions by type.
    var described: String {
        switch self {
        case .nil: "nil"
        case .boolean(let value): String(value)
        case .integer(let value): String(value)
        case .number(let value): String(value)
        case .string(let string): "\"\(string.text ?? "(bytes)")\""
        case .array(let items) where items.isEmpty: "an empty table"
        case .array, .dictionary: "a table"
        case .function: "a function"
        default: "a \(type)"
        }
    }
}
