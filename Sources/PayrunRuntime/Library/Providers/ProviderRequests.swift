// `p:get`, `p:post`, `p:put`, `p:delete`, `p:request` and `p:tryrequest`: one request each, sent
// (or, under --dry-run, a mutation described), waited for, and handed back as a result and a
// response table, or an error.
import LuaKit
import PayrunFormats

enum ProviderRequests {
    /// `p:get(path [, query])`, `p:delete(path [, query])`, `p:post(path [, body])`, `p:put(path [, body])`:
    /// the result and a response table `{status=, headers=, attempts=}`.
    static func send(_ call: LuaCall, method: String, queryAt: Int?, bodyAt: Int?) throws -> LuaReturn {
        let handle = try call.object(at: 1, as: ProviderHandle.self)
        let path = try call.string(at: 2)
        // Said where the script gave it, in Lua's form, before anything is built.
        if let problem = handle.pathProblem(path) { throw LuaArgumentError.invalid(at: 2, problem) }
        let query = try queryAt.map { position throws in try ProviderArguments.query(call, at: position) } ?? []
        let body = try bodyAt.map { position throws in try ProviderArguments.body(call, at: position) } ?? nil
        let parts = RequestParts(method: method, path: path, query: query, body: body, headers: [])
        return try perform(parts, call, handle, raising: true)
    }

    /// `p:request{method=, path=, query=, body=, headers=}` (raising) and `p:tryrequest{...}`
    /// (nil and the error instead).
    static func request(_ call: LuaCall, raising: Bool) throws -> LuaReturn {
        let handle = try call.object(at: 1, as: ProviderHandle.self)
        return try perform(ProviderArguments.requestParts(call, handle: handle), call, handle, raising: raising)
    }

    private static func perform(_ parts: RequestParts, _ call: LuaCall, _ handle: ProviderHandle, raising: Bool) throws -> LuaReturn {
        defer { handle.writeNotes() }
        // Not copied out of its box: the client is a dozen references to retain and release.
        let shared = handle.shared
        // The URL, made once for asking whether the request is a read and for sending it; nil
        // for a path that makes none (it is not a read, and sending it says why).
        let url = try? shared.client.url(parts.path, query: parts.query)
        // Only a dry run and a live run ask what is a read, and a durable run for its journal:
        // anywhere else every request just goes. Asked once for both.
        let asks = handle.session.dryRun || shared.client.environment == .live
        let journal = handle.session.journal
        let isRead = (asks || journal != nil) && url.map { shared.client.isRead(parts.method, url: $0, body: parts.body) } == true
        if asks, !isRead {
            if handle.session.dryRun { return try DryRun.describe(parts, call, handle) }
            if let refusal = refusal(of: parts, handle) { return try deliver(.failure(refusal), to: call, handle: handle, raising: raising) }
        }
        // A durable run journals every mutation, and answers from its journal what an earlier attempt settled.
        // What the script printed before a payment is written out before the payment goes (a
        // read is repeatable, and pays nothing for it). Where reads were not told apart, the
        // method tells.
        if !isRead, asks || journal != nil || !ServiceRequest.readsOnly(parts.method) {
            ReportFolder.writeOutBeforeAMutation(handle.output, on: call.stack)
        }
        let finish = { (outcome: ReplyWaiting.Outcome<ProviderClient.Reply>, call: LuaCall) throws -> LuaReturn in
            defer { handle.writeNotes() }
            // The run cannot go on (a payment in doubt, a journal that fails): stop it, past any pcall.
            if case .failure = outcome, handle.session.journal?.halted != nil { call.stack.requestStop(.halted) }
            return try deliver(outcome, to: call, handle: handle, raising: raising)
        }
        if let journal, !isRead {
            let identity = journal.identify(parts, provider: shared.client.provider.name, on: call.stack.threadID)
            let request = JournaledRequest(journal: journal, identity: identity, client: shared.client, parts: parts)
            return try ReplyWaiting.wait(call, session: handle.session, for: { () async throws(ProviderError) in try await request.perform() }, then: finish)
        }
        // Begun on this thread with no task when it can be (a thread waiting for its own answer,
        // a provider that signs without awaiting, a connection kept): what is left, if anything,
        // goes on in one.
        var sent: ProviderClient.Sent?
        if !handle.session.waitsByYielding(call.stack) {
            let stop = handle.session.stopCheck(for: call.stack)
            let begun = Result { () throws(ProviderError) in
                try shared.client.requestNow(parts.method, parts.path, query: parts.query, body: parts.body, headers: parts.headers, url: url, stop: stop.isStopped)
            }
            switch begun {
            case .success(.reply(let reply)): return try finish(.success(reply), call)
            case .success(.sent(let first)): sent = first
            case .success(.notHere): break
            case .failure(let error): return try finish(.failure(error), call)
            }
        }
        return try ReplyWaiting.wait(call, session: handle.session, for: { [sent] () async throws(ProviderError) in
            try await shared.client.requestHere(parts.method, parts.path, query: parts.query, body: parts.body, headers: parts.headers, url: url, sent: sent)
        }, then: finish)
    }

    /// In `live`, a mutation goes only with a person's yes (or `--yes`): the error (code
    /// `payrun.not_confirmed`) when it was refused, before anything is sent; nil to send it.
    private static func refusal(of parts: RequestParts, _ handle: ProviderHandle) -> ProviderError? {
        let name = handle.client.provider.name
        do throws(LiveConfirmation.Refused) {
            let url = (try? handle.client.url(parts.path, query: parts.query)) ?? parts.path
            let body = parts.body.map { String(decoding: $0.encoded(), as: UTF8.self) }
            try handle.confirmation.confirm("\(parts.method) \(url)", provider: name, body: body)
            return nil
        } catch {
            return ProviderError(provider: name, code: "payrun.not_confirmed", message: error.description)
        }
    }

    /// Pushes a result and its response, or raises (or returns `nil, err`) for an error.
    private static func deliver(_ outcome: ReplyWaiting.Outcome<ProviderClient.Reply>, to call: LuaCall, handle: ProviderHandle, raising: Bool) throws -> LuaReturn {
        switch outcome {
        case .success(let reply):
            if let warning = reply.warning { handle.session.warnOnce(warning, from: handle.client.provider.name) }
            try ProviderValues.pushResult(reply.content, session: handle.session, on: call.stack)
            ProviderValues.pushResponse(reply, session: handle.session, on: call.stack)
            return 2
        case .failure(let error):
            guard raising else {
                call.stack.pushNil()
                ProviderValues.pushError(error, on: call.stack)
                return 2
            }
            throw ProviderValues.raise(error, call)
        }
    }
}
