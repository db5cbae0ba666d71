// payrun.provider and payrun.webhook: the Lua surface of the provider plugins. Requests run in
// Swift (signing included: secrets never enter Lua); results come back as Lua tables, errors as
// structured values that print readably.
import CLua
import LuaKit
import PayrunFormats

/// What `payrun.provider(name)` returns: a client for the current environment.
public final class ProviderHandle: LuaObject {
    public static let luaTypeName = "payrun.provider"
    let client: ProviderClient
    let session: ProviderSession
    /// Where `--verbose` and `--dry-run` notes go: the script's own (redacting) output.
    let output: any ScriptOutput

    init(client: ProviderClient, session: ProviderSession, output: any ScriptOutput) {
        self.client = client
        self.session = session
        self.output = output
    }

    /// Writes what the session noted during the last call.
    func writeNotes() {
        for line in session.notes.take() { output.write("payrun: \(line)\n", to: .standardError) }
    }

    public static var luaMethods: [LuaRegistration] { [
        LuaRegistration("delete") { call in try ProviderLibrary.send(call, method: "DELETE", queryAt: 3, bodyAt: nil) },
        LuaRegistration("get") { call in try ProviderLibrary.send(call, method: "GET", queryAt: 3, bodyAt: nil) },
        LuaRegistration("paginate") { call in try ProviderLibrary.paginate(call) },
        LuaRegistration("post") { call in try ProviderLibrary.send(call, method: "POST", queryAt: nil, bodyAt: 3) },
        LuaRegistration("put") { call in try ProviderLibrary.send(call, method: "PUT", queryAt: nil, bodyAt: 3) },
        LuaRegistration("request") { call in try ProviderLibrary.request(call, raising: true) },
        LuaRegistration("sign") { call in try ProviderLibrary.sign(call) },
        LuaRegistration("tryrequest") { call in try ProviderLibrary.request(call, raising: false) },
    ] }

    public static var luaMetamethods: [LuaRegistration] { [
        LuaRegistration("__tostring") { call in
            let handle = try call.object(at: 1, as: ProviderHandle.self)
            call.stack.push("provider \(handle.client.provider.name) (\(handle.client.environment))")
            return 1
        },
    ] }

    /// The provider's own methods, from its Lua extension.
    public static var luaMemberLookup: LuaFunctionBody? {
        { call in
            let handle = try call.object(at: 1, as: ProviderHandle.self)
            let stack = call.stack
            guard stack.pushRegistryValue(ProviderLibrary.extensionKey(handle.client.provider.name)) == .table else {
                stack.pop()
                stack.pushNil()
                return 1
            }
            lua_pushvalue(stack.unsafeState, call.index(of: 2))
            lua_rawget(stack.unsafeState, -2)
            return 1
        }
    }
}

/// `payrun.provider(name)` and `payrun.webhook.verify(provider, webhook)`.
enum ProviderLibrary {
    static let errorMetatableKey = "payrun.error"

    static func install(on stack: LuaStack, session: ProviderSession, output: any ScriptOutput) throws(LuaError) {
        try stack.reserve(4)
        lua_createtable(stack.unsafeState, 0, 2)      // stack: payrun errormeta
        stack.push("payrun.error")
        stack.setField("__name", in: -2)
        stack.push(function: { call in
            // A provider error prints as its description, kept in the table.
            lua_getfield(call.stack.unsafeState, call.index(of: 1), "description")
            return 1
        })
        stack.setField("__tostring", in: -2)
        stack.setRegistryValue(errorMetatableKey)     // stack: payrun
        for function in functions(session: session, output: output) + ParallelLibrary.functions(session: session) {
            stack.push(function: function.body)
            stack.setField(function.name, in: -2)
        }
        stack.push(library: webhookFunctions(session: session))
        stack.setField("webhook", in: -2)
    }

    static func extensionKey(_ provider: String) -> String { "payrun.provider." + provider }

    /// Runs a provider's extension chunk and keeps the table of methods it returns, for
    /// ``ProviderHandle/luaMemberLookup``.
    private static func installExtension(_ luaExtension: ProviderLuaExtension, of provider: String, on stack: LuaStack) throws(LuaError) {
        try stack.load(luaExtension.source, chunkName: "=payrun.provider." + provider)
        _ = try stack.protectedCall(argumentCount: 0, resultCount: 1)
        guard lua_type(stack.unsafeState, -1) == LUA_TTABLE else {
            stack.pop()
            throw LuaError(.runtime, "the \(provider) provider's Lua extension does not return a table of methods")
        }
        stack.setRegistryValue(extensionKey(provider))
    }

    static func functions(session: ProviderSession, output: any ScriptOutput = CapturedOutput()) -> [LuaRegistration] { [
        LuaRegistration("provider") { call in
            let name = try call.string(at: 1)
            var headers: [(String, String)] = []
            if !call.isNoneOrNil(2) {
                try call.check(.table, at: 2)
                let given = stringPairs(field: "headers", of: call.index(of: 2), on: call.stack)
                guard given.allStrings else { throw LuaArgumentError.invalid(at: 2, "field 'headers' must map names to strings") }
                headers = given.pairs.sorted { $0.0 < $1.0 }
            }
            do {
                var client = try session.client(for: name, stack: call.stack)
                client.defaultHeaders = headers
                // A provider's own methods are compiled when a script first asks for it, not at start-up.
                if let luaExtension = client.provider.luaExtension {
                    let installed = call.stack.pushRegistryValue(extensionKey(name)) == .table
                    call.stack.pop()
                    if !installed { try installExtension(luaExtension, of: name, on: call.stack) }
                }
                call.stack.push(object: ProviderHandle(client: client, session: session, output: output))
                return 1
            } catch let error as ProviderError {
                throw raise(error, call)
            }
        },
    ] }

    static func webhookFunctions(session: ProviderSession) -> [LuaRegistration] { [
        LuaRegistration("verify") { call in
            let name = try call.string(at: 1)
            try call.check(.table, at: 2)
            guard let provider = session.registry.provider(named: name) else {
                throw LuaArgumentError.invalid(at: 1, "no provider '\(name)'")
            }
            let stack = call.stack
            let table = call.index(of: 2)
            // A webhook's headers as the script received them: anything not a string is not a header.
            let headers = stringPairs(field: "headers", of: table, on: stack).pairs
            var body: [UInt8] = []
            if stack.pushField("body", of: table) == .string, let bytes = stack.bytes(at: -1) { body = Array(bytes) }
            stack.pop()
            let verdict = provider.verify(
                IncomingWebhook(headers: headers, body: body), with: session.credentials(for: provider), now: UTCTime.now())
            switch verdict {
            case .valid:
                stack.push(true)
                return 1
            case .invalid(let reason):
                stack.push(false)
                stack.push(reason)
                return 2
            }
        },
    ] }

    /// `p:get(path [, query])`, `p:delete(path [, query])`, `p:post(path [, body])`, `p:put(path [, body])`:
    /// the result and a response table `{status=, headers=, attempts=}`.
    static func send(_ call: LuaCall, method: String, queryAt: Int?, bodyAt: Int?) throws -> LuaReturn {
        let handle = try call.object(at: 1, as: ProviderHandle.self)
        let path = try call.string(at: 2)
        let query = try queryAt.map { position throws in try ProviderLibrary.query(call, at: position) } ?? []
        let body = try bodyAt.map { position throws in try ProviderLibrary.body(call, at: position) } ?? nil
        return try perform(call, handle, method: method, path: path, query: query, body: body, headers: [], raising: true)
    }

    /// What `p:sign` shows for a header carrying a secret-derived value; `p:request` drops
    /// headers with this value and signs afresh.
    static let redactedSignature = "[redacted: added by payrun when sent]"

    /// `p:sign{method=, path=, query=, body=, headers=}`: the request as it would be sent —
    /// `{method=, url=, headers=, body=}` — with the headers signing adds that carry secrets
    /// redacted: for looking at, never a way to take a usable secret out.
    static func sign(_ call: LuaCall) throws -> LuaReturn {
        let handle = try call.object(at: 1, as: ProviderHandle.self)
        let parts = try requestParts(call)
        let client = handle.client
        let request: ProviderRequest
        do {
            request = try BlockingWait.run(stoppable: call.stack) {
                try await client.signed(parts.method, parts.path, query: parts.query, body: parts.body, headers: parts.headers)
            }
        } catch let error as ProviderError {
            throw raise(error, call)
        }
        let given = Set(parts.headers.map { $0.0.lowercased() } + ["accept", "content-type"])
        let visible = client.provider.publicSigningHeaders
        let stack = call.stack
        let L = stack.unsafeState
        lua_createtable(L, 0, 4)
        stack.push(request.method)
        stack.setField("method", in: -2)
        stack.push(request.url)
        stack.setField("url", in: -2)
        lua_createtable(L, 0, Int32(request.headers.count))
        for (name, value) in request.headers {
            let added = !given.contains(name.lowercased()) && !visible.contains(name.lowercased())
            stack.push(added ? redactedSignature : value)
            stack.setField(name, in: -2)
        }
        stack.setField("headers", in: -2)
        if let body = request.body {
            body.withUnsafeBytes { stack.push(bytes: $0) }
            stack.setField("body", in: -2)
        }
        return 1
    }

    struct RequestParts {
        var method: String
        var path: String
        var query: [(String, String)]
        var body: JSONValue?
        var headers: [(String, String)]
    }

    /// The table argument of `request`, `tryrequest` and `sign`.
    static func requestParts(_ call: LuaCall) throws -> RequestParts {
        try call.check(.table, at: 2)
        let stack = call.stack
        let table = call.index(of: 2)
        func text(_ field: String) throws -> String? {
            defer { stack.pop() }
            switch stack.pushField(field, of: table) {
            case .nil: return nil
            case .string: return stack.text(at: -1)
            default: throw LuaArgumentError.invalid(at: 2, "field '\(field)' must be a string")
            }
        }
        let method = try text("method")?.uppercased() ?? "GET"
        // `url` is what p:sign returns; it must lead to this provider too.
        guard var path = try text("path") ?? text("url") else { throw LuaArgumentError.invalid(at: 2, "field 'path' is required") }
        if path.hasPrefix("http://") || path.hasPrefix("https://") {
            // What p:sign returned: back to a path on this provider.
            guard let base = try? call.object(at: 1, as: ProviderHandle.self).client.baseURL, path.hasPrefix(base) else {
                throw LuaArgumentError.invalid(at: 2, "field 'path' must be a path on this provider, like /user/usr_1")
            }
            path = String(path.dropFirst(base.count))
        }
        stack.pushField("query", of: table)
        let query = try self.query(call, at: call.argumentCount)
        stack.pop()
        stack.pushField("body", of: table)
        let body = try self.body(call, at: call.argumentCount)
        stack.pop()
        // Headers from p:sign are signed afresh when sent: drop the ones signing adds.
        let signing = (try? call.object(at: 1, as: ProviderHandle.self).client.provider.publicSigningHeaders) ?? []
        let given = stringPairs(field: "headers", of: table, on: stack)
        guard given.allStrings else { throw LuaArgumentError.invalid(at: 2, "field 'headers' must map names to strings") }
        let headers = given.pairs.filter { name, value in
            let lowered = name.lowercased()
            return value != redactedSignature && !signing.contains(lowered) && !["accept", "content-type"].contains(lowered)
        }
        return RequestParts(method: method, path: path, query: query, body: body, headers: headers)
    }

    /// `p:request{method=, path=, query=, body=, headers=}` (raising) and `p:tryrequest{...}`
    /// (nil and the error instead).
    static func request(_ call: LuaCall, raising: Bool) throws -> LuaReturn {
        let handle = try call.object(at: 1, as: ProviderHandle.self)
        let parts = try requestParts(call)
        return try perform(call, handle, method: parts.method, path: parts.path, query: parts.query, body: parts.body, headers: parts.headers, raising: raising)
    }

    private static func perform(
        _ call: LuaCall, _ handle: ProviderHandle, method: String, path: String, query: [(String, String)],
        body: JSONValue?, headers: [(String, String)], raising: Bool
    ) throws -> LuaReturn {
        let client = handle.client
        defer { handle.writeNotes() }
        if handle.session.dryRun, !["GET", "HEAD", "OPTIONS"].contains(method) {
            // Described, not sent; the script gets back what it would have sent.
            let text = body.map { " " + String(decoding: $0.encoded(), as: UTF8.self) } ?? ""
            do {
                handle.session.notes.add("dry run, not sent: \(method) \(try client.url(path, query: query))\(text)")
            } catch {
                throw raise(error, call)
            }
            try JSONLibrary.push(body ?? .object([:]), on: call.stack)
            lua_createtable(call.stack.unsafeState, 0, 2)
            call.stack.push(0)
            call.stack.setField("status", in: -2)
            call.stack.push(true)
            call.stack.setField("dry_run", in: -2)
            return 2
        }
        let work: @Sendable () async throws(ProviderError) -> ProviderClient.Reply = {
            try await client.request(method, path, query: query, body: body, headers: headers)
        }
        if let scheduler = handle.session.scheduler, scheduler.owns(call.stack.unsafeState), lua_isyieldable(call.stack.unsafeState) != 0 {
            // Inside payrun.parallel: let the other coroutines run until the response arrives.
            scheduler.start(for: call.stack.unsafeState, work)
            lua_pushlightuserdata(call.stack.unsafeState, scheduler.marker)
            return try call.yield(1) { resumed in
                defer { handle.writeNotes() }
                guard let outcome = scheduler.take(for: resumed.stack.unsafeState) else {
                    throw LuaError(.runtime, "payrun.parallel resumed a request before its response")
                }
                return try deliver(outcome, to: resumed, handle: handle, raising: raising)
            }
        }
        let outcome: ParallelScheduler.Outcome
        do {
            outcome = .success(try BlockingWait.run(stoppable: call.stack, work))
        } catch let error as ProviderError {
            outcome = .failure(error)
        }
        return try deliver(outcome, to: call, handle: handle, raising: raising)
    }

    /// Pushes a result and its response, or raises (or returns `nil, err`) for an error.
    private static func deliver(_ outcome: ParallelScheduler.Outcome, to call: LuaCall, handle: ProviderHandle, raising: Bool) throws -> LuaReturn {
        switch outcome {
        case .success(let reply):
            if let warning = reply.warning { handle.session.warnOnce(warning, from: handle.client.provider.name) }
            try JSONLibrary.push(reply.result, on: call.stack)
            pushResponse(reply, on: call.stack)
            return 2
        case .failure(let error):
            guard raising else {
                call.stack.pushNil()
                pushError(error, on: call.stack)
                return 2
            }
            throw raise(error, call)
        }
    }

    /// `for item in p:paginate(path [, query [, {page_size=N}]]) do ... end`: every item of the
    /// list, fetched a page at a time, the next page while the loop works on this one.
    static func paginate(_ call: LuaCall) throws -> LuaReturn {
        let handle = try call.object(at: 1, as: ProviderHandle.self)
        let path = try call.string(at: 2)
        let query = try self.query(call, at: 3)
        let pageSize = try call.integerOption("page_size", at: 4, in: 1...10_000)
        let cursor = PageCursor(ProviderPaginator(client: handle.client, path: path, query: query, pageSize: pageSize), handle: handle)
        // The iterator is Lua, over one page at a time: Swift is entered once a page, not once an item.
        let stack = call.stack
        guard stack.pushRegistryValue(pageIteratorKey) == .function else { throw LuaError(.runtime, "payrun.paginate is not installed") }
        stack.push(object: cursor)
        _ = try stack.protectedCall(argumentCount: 1, resultCount: 1)
        return 1
    }

    static let pageIteratorKey = "payrun.paginate"

    /// Given a cursor, the function a generic `for` calls for each item.
    static let pageIteratorSource = """
        local cursor = ...
        local page, i, n = nil, 0, 0
        return function()
          if i >= n then
            page = cursor:next()
            if page == nil then return nil end
            i, n = 0, #page
            if n == 0 then return nil end
          end
          i = i + 1
          return page[i]
        end
        """

    /// The pages of one `p:paginate` loop, the next fetched while the loop works on the current.
    final class PageCursor: LuaObject {
        static let luaTypeName = "payrun.pages"
        static var luaMethods: [LuaRegistration] { [
            LuaRegistration("next") { call in
                let cursor = try call.object(at: 1, as: PageCursor.self)
                let pages = cursor.pages
                defer { cursor.handle.writeNotes() }
                let page: JSONTape.Node?
                do {
                    page = try BlockingWait.run(stoppable: call.stack) { try await pages.next() }
                } catch let error as ProviderError {
                    throw raise(error, call)
                }
                guard let page else {
                    call.stack.pushNil()
                    return 1
                }
                try JSONLibrary.push(page, on: call.stack)
                return 1
            },
        ] }

        let pages: PageSource
        let handle: ProviderHandle

        init(_ paginator: ProviderPaginator, handle: ProviderHandle) {
            pages = PageSource(paginator)
            self.handle = handle
        }
    }

    /// A paginator's pages, one call at a time.
    actor PageSource {
        private var iterator: ProviderPaginator.PageIterator

        init(_ paginator: ProviderPaginator) {
            iterator = paginator.makePageIterator()
        }

        func next() async throws -> JSONTape.Node? {
            // One call at a time: the Lua thread waits for each.
            var current = iterator
            let page = try await current.next()
            iterator = current
            return page
        }
    }

    // MARK: Values

    /// Argument `position` as query parameters: a table of names to strings, numbers, booleans
    /// or decimals, sent sorted by name; none when absent.
    static func query(_ call: LuaCall, at position: Int) throws -> [(String, String)] {
        guard !call.isNoneOrNil(position) else { return [] }
        try call.check(.table, at: position)
        let stack = call.stack
        let table = call.index(of: position)
        var pairs: [(String, String)] = []
        lua_pushnil(stack.unsafeState)
        while lua_next(stack.unsafeState, table) != 0 {
            defer { stack.pop() }
            guard let name = stack.text(at: -2) else {
                throw LuaArgumentError.invalid(at: position, "query names must be strings")
            }
            let value: String
            switch lua_type(stack.unsafeState, -1) {
            case LUA_TSTRING: value = stack.text(at: -1) ?? ""
            case LUA_TNUMBER where lua_isinteger(stack.unsafeState, -1) != 0: value = String(lua_tointegerx(stack.unsafeState, -1, nil))
            case LUA_TNUMBER: value = lua_tonumberx(stack.unsafeState, -1, nil).description
            case LUA_TBOOLEAN: value = lua_toboolean(stack.unsafeState, -1) != 0 ? "true" : "false"
            default:
                guard let decimal = stack.object(at: -1, as: DecimalValue.self) else {
                    throw LuaArgumentError.invalid(at: position, "query value '\(name)' must be a string, number, boolean or decimal")
                }
                value = decimal.value.description
            }
            pairs.append((name, value))
        }
        return pairs.sorted { $0.0 < $1.0 }
    }

    /// Argument `position` as a JSON body (a table, a string of JSON, or nil).
    static func body(_ call: LuaCall, at position: Int) throws -> JSONValue? {
        guard !call.isNoneOrNil(position) else { return nil }
        let bytes: [UInt8]
        if call.type(at: position) == .string {
            bytes = try call.bytes(at: position)
        } else {
            do {
                bytes = try JSONLibrary.encode(at: call.index(of: position), on: call.stack, credentialPlaceholders: true)
            } catch {
                throw LuaArgumentError.invalid(at: position, "the body cannot be sent as JSON: \(error.description)")
            }
        }
        do {
            return try JSONValue.parse(bytes)
        } catch {
            throw LuaArgumentError.invalid(at: position, "the body is not JSON: \(error.description)")
        }
    }

    private static func pushResponse(_ reply: ProviderClient.Reply, on stack: LuaStack) {
        let L = stack.unsafeState
        lua_createtable(L, 0, 4)
        stack.push(reply.status)
        stack.setField("status", in: -2)
        stack.push(reply.attempts)
        stack.setField("attempts", in: -2)
        if reply.alreadyAccepted {
            stack.push(true)
            stack.setField("already_accepted", in: -2)
        }
        lua_createtable(L, 0, Int32(reply.headers.count))
        for (name, value) in reply.headers {
            stack.push(value)
            stack.setField(name.lowercased(), in: -2)
        }
        stack.setField("headers", in: -2)
    }

    /// Pushes `error` as a table: provider, status, code, message, request_id, retryable,
    /// details, description; `tostring` gives the description.
    static func pushError(_ error: ProviderError, on stack: LuaStack) {
        let L = stack.unsafeState
        lua_createtable(L, 0, 8)
        stack.push(error.provider)
        stack.setField("provider", in: -2)
        if let status = error.status {
            stack.push(status)
            stack.setField("status", in: -2)
        }
        if let code = error.code {
            stack.push(code)
            stack.setField("code", in: -2)
        }
        stack.push(error.message)
        stack.setField("message", in: -2)
        if let requestID = error.requestID {
            stack.push(requestID)
            stack.setField("request_id", in: -2)
        }
        stack.push(error.retryable)
        stack.setField("retryable", in: -2)
        lua_createtable(L, 0, Int32(error.details.count))
        for (name, value) in error.details {
            stack.push(value)
            stack.setField(name, in: -2)
        }
        stack.setField("details", in: -2)
        stack.push(error.description)
        stack.setField("description", in: -2)
        stack.pushRegistryValue(errorMetatableKey)
        lua_setmetatable(L, -2)
    }

    /// An error that raises `error` as its table.
    static func raise(_ error: ProviderError, _ call: LuaCall) -> some LuaRaisable {
        pushError(error, on: call.stack)
        return call.error(raising: call.argumentCount)
    }
}

extension ProviderLibrary {
    /// The string-to-string pairs of table field `field` (none when it is not a table), and
    /// whether every entry was one.
    fileprivate static func stringPairs(field: String, of table: Int32, on stack: LuaStack) -> (pairs: [(String, String)], allStrings: Bool) {
        defer { stack.pop() }
        guard stack.pushField(field, of: table) == .table else { return ([], true) }
        var pairs: [(String, String)] = []
        var allStrings = true
        lua_pushnil(stack.unsafeState)
        while lua_next(stack.unsafeState, -2) != 0 {
            if let name = stack.text(at: -2), let value = stack.text(at: -1) {
                pairs.append((name, value))
            } else {
                allStrings = false
            }
            stack.pop()
        }
        return (pairs, allStrings)
    }
}

extension LuaStack {
    /// The string at `index`, or nil for any other type (numbers are not converted, so a
    /// `lua_next` traversal stays valid).
    fileprivate func text(at index: Int32) -> String? {
        guard lua_type(unsafeState, index) == LUA_TSTRING else { return nil }
        return bytes(at: index).map { String(decoding: $0, as: UTF8.self) }
    }
}
