// Reading a provider method's arguments: query tables, JSON bodies, and the request table of
// `p:request`, `p:tryrequest` and `p:sign`.
import LuaKit
import PayrunFormats

/// A request as a script describes it.
struct RequestParts {
    var method: String
    var path: String
    var query: [(String, String)]
    var body: JSONValue?
    var headers: [(String, String)]
}

enum ProviderArguments {
    /// Argument `position` as query parameters: a table of names to strings, numbers, booleans
    /// or decimals, sent sorted by name; none when absent.
    static func query(_ call: LuaCall, at position: Int) throws -> [(String, String)] {
        guard !call.isNoneOrNil(position) else { return [] }
        try call.check(.table, at: position)
        return try query(call, table: call.index(of: position), position: position)
    }

    /// The query table at stack index `table`, named as argument `position` in errors.
    private static func query(_ call: LuaCall, table: Int32, position: Int) throws(LuaArgumentError) -> [(String, String)] {
        let stack = call.stack
        var pairs: [(String, String)] = []
        try stack.forEachEntry(of: table) { (key, value) throws(LuaArgumentError) in
            guard let name = stack.string(at: key) else {
                throw .invalid(at: position, "query names must be strings")
            }
            let text: String
            switch stack.type(at: value) {
            case .string: text = stack.string(at: value) ?? ""
            case .number: text = stack.integer(at: value).map(String.init) ?? stack.number(at: value)!.description
            case .boolean: text = stack.boolean(at: value) ? "true" : "false"
            default:
                guard let decimal = stack.object(at: value, as: DecimalValue.self) else {
                    throw .invalid(at: position, "query value '\(name)' must be a string, number, boolean or decimal")
                }
                text = decimal.value.description
            }
            pairs.append((name, text))
        }
        return pairs.sorted { $0.0 < $1.0 }
    }

    /// Argument `position` as a JSON body (a table, a string of JSON, or nil).
    static func body(_ call: LuaCall, at position: Int) throws -> JSONValue? {
        guard !call.isNoneOrNil(position) else { return nil }
        return try body(call, value: call.index(of: position), position: position)
    }

    /// The body at stack index `value`, named as argument `position` in errors.
    private static func body(_ call: LuaCall, value: Int32, position: Int) throws(LuaArgumentError) -> JSONValue? {
        let bytes: [UInt8]
        switch call.stack.type(at: value) {
        case .nil: return nil
        case .string: bytes = Array(call.stack.bytes(at: value)!)
        default:
            do {
                bytes = try JSONLibrary.encode(at: value, on: call.stack, credentialPlaceholders: true)
            } catch {
                throw .invalid(at: position, "the body cannot be sent as JSON: \(error.description)")
            }
        }
        do {
            // Its numbers go out as written: a decimal's digits, or a JSON string's.
            return try JSONValue.parseKeepingNumberText(bytes)
        } catch {
            throw .invalid(at: position, "the body is not JSON: \(error.description)")
        }
    }

    /// The table argument of `request`, `tryrequest` and `sign`:
    /// `{method=, path= (or url=), query=, body=, headers=}`.
    static func requestParts(_ call: LuaCall, handle: ProviderHandle) throws -> RequestParts {
        try call.check(.table, at: 2)
        try call.checkFieldNames(of: 2, among: ["method", "path", "url", "query", "body", "headers"])
        let method = try MethodArgument.read(call, of: 2)
        // `url` is what p:sign returns; it must lead to this provider too.
        let pathField = try call.fieldType("path", of: 2) == .nil && call.fieldType("url", of: 2) != .nil ? "url" : "path"
        guard var path = try call.stringField(pathField, of: 2) else {
            throw LuaArgumentError.invalid(at: 2, "field 'path' is required")
        }
        if path.hasPrefix("http://") || path.hasPrefix("https://") {
            // What p:sign returned: back to a path on this provider.
            let base = handle.client.baseURL
            guard path.hasPrefix(base) else {
                throw LuaArgumentError.invalid(at: 2, "field '\(pathField)' must be a URL on this provider (\(base)/...)")
            }
            path = ProviderSigning.pathToSend(String(path.dropFirst(base.count)))
        }
        if let problem = handle.pathProblem(path) {
            throw LuaArgumentError.invalid(at: 2, "field '\(pathField)': " + problem)
        }
        let query = try call.withField("query", of: 2) { (index, type) throws(LuaArgumentError) -> [(String, String)]? in
            switch type {
            case .nil: return nil
            case .table: return try Self.query(call, table: index, position: 2)
            default: throw call.fieldError("query", at: 2, expected: "table", got: type)
            }
        } ?? []
        let body = try call.withField("body", of: 2) { (index, _) throws(LuaArgumentError) -> JSONValue? in
            try Self.body(call, value: index, position: 2)
        }
        let headers = try call.stringPairsField("headers", of: 2) ?? []
        if let reserved = ReservedHeaders.first(of: headers.lazy.map(\.0)) {
            throw LuaArgumentError.invalid(at: 2, "field 'headers': '\(reserved)' is set by payrun from the provider's URL and the body, not by a script")
        }
        return RequestParts(method: method, path: path, query: query, body: body,
                            headers: ProviderSigning.headersToSend(headers, for: handle.client.provider))
    }
}
