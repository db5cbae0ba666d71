// Reading `payrun.http`'s arguments into a ``ServiceRequest``: the request table of
// `request`/`tryrequest`, and the url, body and options of `get`, `post` and the others.
// Credential handles are kept as names; their secrets are filled in later, in Swift.
import LuaKit
import PayrunFormats

enum ServiceArguments {
    /// `{method=, url=, headers=, query=, body=, retry=}` at argument `position`.
    static func request(_ call: LuaCall, at position: Int) throws -> ServiceRequest {
        try call.check(.table, at: position)
        try call.checkFieldNames(of: position, among: ["method", "url", "headers", "query", "body", "retry"])
        let method = try MethodArgument.read(call, of: position)
        let url = try call.withField("url", of: position) { (index, type) throws(LuaArgumentError) -> ServiceText? in
            guard type != .nil else { return nil }
            return try Self.url(call, value: index, position: position, field: true)
        }
        guard let url else { throw LuaArgumentError.invalid(at: position, "field 'url' is required") }
        var request = ServiceRequest(method: method, url: url)
        try readOptions(call, at: position, into: &request)
        request.body = try call.withField("body", of: position) { (index, _) throws(LuaArgumentError) in
            try Self.body(call, value: index, position: position)
        }
        return request
    }

    /// `get(url [, options])` and the like: the url at 1, the body at 2 when `bodyAt` is set,
    /// options (`headers`, `query`, `retry`) after.
    static func shortcut(_ call: LuaCall, method: String, hasBody: Bool) throws -> ServiceRequest {
        var request = ServiceRequest(method: method, url: try url(call, value: call.index(of: 1), position: 1, field: false))
        if hasBody { request.body = try body(call, value: call.index(of: 2), position: 2) }
        let options = hasBody ? 3 : 2
        if try call.hasFields(at: options) {
            try call.checkFieldNames(of: options, among: ["headers", "query", "retry"])
            try readOptions(call, at: options, into: &request)
        }
        return request
    }

    /// `headers`, `query` and `retry` of the table at argument `position`.
    private static func readOptions(_ call: LuaCall, at position: Int, into request: inout ServiceRequest) throws {
        request.headers = try pairs("headers", call, at: position, allowsLists: true)
        if let reserved = ReservedHeaders.first(of: request.headers.lazy.map(\.0)) {
            throw LuaArgumentError.invalid(at: position, "field 'headers': '\(reserved)' is set by payrun from the url and body, not by a script")
        }
        request.query = try pairs("query", call, at: position, allowsLists: false)
        request.retry = try call.booleanField("retry", of: position) ?? false
    }

    /// A url argument or field: a string, or a credential whose secret is the URL.
    private static func url(_ call: LuaCall, value: Int32, position: Int, field: Bool) throws(LuaArgumentError) -> ServiceText {
        let stack = call.stack
        if stack.type(at: value) == .string, let text = stack.string(at: value) { return .text(text) }
        if let handle = stack.object(at: value, as: CredentialHandle.self) { return .credential(handle.name) }
        let got = stack.type(at: value)
        if field { throw call.fieldError("url", at: position, expected: "string or credential", got: got) }
        throw LuaArgumentError.invalid(at: position, "string or credential expected, got \(got)")
    }

    /// A body: a string sent as it is, or a table sent as JSON (credential handles allowed in it).
    private static func body(_ call: LuaCall, value: Int32, position: Int) throws(LuaArgumentError) -> ServiceRequest.Body? {
        let stack = call.stack
        switch stack.type(at: value) {
        case .nil, .none: return nil
        case .string: return .bytes(Array(stack.bytes(at: value)!))
        case .table:
            do {
                return .json(try JSONLibrary.encode(at: value, on: stack, credentialPlaceholders: true))
            } catch {
                throw .invalid(at: position, "the body cannot be sent as JSON: \(error.description)")
            }
        case let type:
            throw .invalid(at: position, "the body must be a string or a table (sent as JSON), not a \(type)")
        }
    }

    /// A table of names to values: strings, numbers, booleans, decimals or credentials, and for
    /// headers also a list of them joined (`{"Bearer ", payrun.credential("pagerduty", "token")}`).
    private static func pairs(
        _ name: String, _ call: LuaCall, at position: Int, allowsLists: Bool
    ) throws(LuaArgumentError) -> [(String, [ServiceText])] {
        let stack = call.stack
        let expected = "field '\(name)' must map names to strings, numbers, decimals or credentials"
            + (allowsLists ? " (or lists of them, joined)" : "")
        return try call.withField(name, of: position) { (table, type) throws(LuaArgumentError) -> [(String, [ServiceText])]? in
            guard type != .nil else { return nil }
            guard type == .table else { throw call.fieldError(name, at: position, expected: "table", got: type) }
            var pairs: [(String, [ServiceText])] = []
            try stack.forEachEntry(of: table) { (key, value) throws(LuaArgumentError) in
                guard stack.type(at: key) == .string, let key = stack.string(at: key) else { throw .invalid(at: position, expected) }
                if let part = Self.part(stack, at: value) {
                    pairs.append((key, [part]))
                    return
                }
                guard allowsLists, stack.type(at: value) == .table else { throw .invalid(at: position, expected) }
                var parts: [ServiceText] = []
                for element in 1...max(stack.rawLength(at: value), 1) where element <= stack.rawLength(at: value) {
                    defer { stack.pop() }
                    _ = stack.pushElement(element, of: value)
                    guard let part = Self.part(stack, at: stack.top) else { throw .invalid(at: position, expected) }
                    parts.append(part)
                }
                pairs.append((key, parts))
            }
            return pairs.sorted { $0.0 < $1.0 }
        } ?? []
    }

    /// One value of a header or query parameter, or nil when it cannot be one.
    private static func part(_ stack: LuaStack, at index: Int32) -> ServiceText? {
        switch stack.type(at: index) {
        case .string: return stack.string(at: index).map { .text($0) }
        case .number: return .text(stack.integer(at: index).map(String.init) ?? stack.number(at: index)!.description)
        case .boolean: return .text(stack.boolean(at: index) ? "true" : "false")
        default:
            if let handle = stack.object(at: index, as: CredentialHandle.self) { return .credential(handle.name) }
            if let decimal = stack.object(at: index, as: DecimalValue.self) { return .text(decimal.value.description) }
            return nil
        }
    }
}
