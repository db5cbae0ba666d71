// A mutation on the request path of a durable run: answered from the journal when an earlier
// attempt settled it; settled through the provider when it was left in doubt; otherwise its intent
// is made durable (one fsync), it is sent, and its outcome journaled.
import PayrunFormats
import PayrunJournal

/// One mutation of a durable run, from its key to its reply.
struct JournaledRequest: Sendable {
    let journal: RunJournal
    let identity: MutationIdentity
    let client: ProviderClient
    let method: String
    let path: String
    let query: [(String, String)]
    let body: JSONValue?
    let headers: [(String, String)]

    /// The error code of a mutation the run stopped before.
    static let inDoubtCode = "payrun.in_doubt"
    /// The error code of a journal that could not be written.
    static let journalCode = "payrun.journal_failed"
    /// The error code of a mutation not sent because the script changed (``changedMessage(_:)``).
    static let changedCode = "payrun.changed_request"

    init(journal: RunJournal, identity: MutationIdentity, client: ProviderClient, parts: RequestParts) {
        self.journal = journal
        self.identity = identity
        self.client = client
        method = parts.method
        path = parts.path
        query = parts.query
        body = parts.body
        var headers = parts.headers
        // The provider's idempotency key, when it has one and the script gave none: derived from
        // the run and the mutation, so the attempt that resumes a crashed one sends the same key.
        if let name = client.provider.idempotencyHeader(forMethod: parts.method), !headers.contains(where: { $0.0.equalsIgnoringASCIICase(name) }) {
            headers.append((name, OperationKey.named(["payrun.idempotency", journal.run.id, identity.key])))
        }
        self.headers = headers
    }

    /// The mutation's reply, from the journal, the provider's lookup, or sending it.
    func perform() async throws(ProviderError) -> ProviderClient.Reply {
        let past = journal.past.mutations[identity.key]
        if past != nil { journal.meet(identity.key) }
        switch past {
        case .answered(let outcome)?:
            do {
                return try Self.replay(outcome, provider: identity.provider)
            } catch var refusal {
                // The store named, so that the command works as printed wherever the run's --state came from.
                refusal.sendAgainCommand = "payrun runs resolve \(journal.run.id) \(identity.key) --send-again \(ShellWord.stateOption(journal.store.location))"
                throw refusal
            }
        case .applied(let id)?:
            // An operator's word: what the provider made is known only by its id.
            var reply = ProviderClient.Reply(result: .object(["id": .string(id)]), status: 200, headers: [], attempts: 0, alreadyAccepted: true)
            reply.fromJournal = true
            return reply
        case .inDoubt(let intent)?:
            return try await settle(intent)
        case .notApplied?, .notSent?:
            return try await send()
        case nil:
            let earlier = journal.changedFrom(identity)
            guard earlier.isEmpty else {
                let message = changedMessage(earlier)
                journal.halt(RunHalt(status: .scriptFailed, kind: .journal, message: message))
                throw ProviderError(provider: identity.provider, code: Self.changedCode, message: message)
            }
            return try await send()
        }
    }

    /// What the run says when it stops before a mutation the journal does not hold, on a script
    /// changed since earlier attempts sent `earlier` to the same place and this one has not
    /// made them again.
    private func changedMessage(_ earlier: [(key: String, intent: JournalRecord)]) -> String {
        let first = earlier[0]
        var answer = "in doubt"
        switch journal.past.mutations[first.key] {
        case .answered(let outcome)?: answer = "answered \(outcome["status"]?.integer.map(String.init) ?? "")"
            + (Self.id(inOutcome: outcome).map { " id=" + $0 } ?? "")
        case .applied(let id)?: answer = "applied as \(id), by an operator's word"
        default: break
        }
        let was = earlier.count == 1 ? "1 such payment" : "\(earlier.count) such payments, the first"
        return """
            \(method) \(path) to \(identity.provider)\(Self.fields(body)) matches no payment the earlier attempts of run \(journal.run.id) \
            journaled, and the script has changed since they ran: they sent \(was) \(first.key) at \(UTCTime.text(first.intent.at))\
            \(Self.fields(first.intent.body["fields"])) (\(answer)), which this attempt has not made again. If the change altered \
            how a payment's request is built, this may be one of them, and sending it would pay it twice: it is not sent.
            """ + (journal.resumesWhenRunAgain ? """

              Restore the script as it was and run the same command again: the journal answers what was sent.
              Or, if the change was meant to send such requests afresh, or the script passed those payments over on purpose
              (it found them made), run again with --send-changed.
            """ : """

              Restore the handlers file as it was, then replay the event: the journal answers what was sent.
            """)
    }

    /// ` carrying amount=1005, currency="EUR"`: the short scalar fields that identify a payment.
    static func fields(_ body: JSONValue?) -> String {
        guard case .object(let members)? = body else { return "" }
        let shown = members.keys.sorted().compactMap { name -> String? in
            switch members[name]! {
            case .string(let text) where text.utf8.count <= 80: "\(name)=\(String(decoding: JSONValue.string(text).encoded(), as: UTF8.self))"
            case .integer, .number, .bool: "\(name)=\(String(decoding: members[name]!.encoded(), as: UTF8.self))"
            default: nil
            }
        }
        return shown.isEmpty ? "" : " carrying " + shown.joined(separator: ", ")
    }

    // MARK: Sending

    private func send(resending: Bool = false) async throws(ProviderError) -> ProviderClient.Reply {
        try await journaling(.intent, durable: true, body: intentBody)
        journal.markUnsettled(identity.key, true)
        let number = journal.countMutation()
        CrashPoint.pass(.afterIntent, mutation: number)
        do {
            let reply = try await resending
                ? client.resend(method, path, query: query, body: body, headers: headers)
                : client.request(method, path, query: query, body: body, headers: headers)
            CrashPoint.pass(.afterAnswer, mutation: number)
            journal.appendLater(.outcome, entry: identity.key, body: Self.outcomeBody(of: reply))
            journal.markUnsettled(identity.key, false)
            return reply
        } catch let error where error.code == Self.journalCode {
            throw error
        } catch {
            if let status = error.status {
                // Answered with an error. A 5xx or 429 may yet have been applied: kept in doubt.
                journal.appendLater(.outcome, entry: identity.key, body: .object(["error": Self.errorBody(error)]))
                if !Self.mayYetBeApplied(error, status: status) { journal.markUnsettled(identity.key, false) }
            } else if !resending && (error.neverSent || !error.retryable && !error.outcomeUnknown) {
                // Refused before it left (a credential, a URL, a host it may not go to), or no
                // attempt got as far as sending it (each connection refused). Not for a resend:
                // an earlier attempt may have got through, so a resend stopped before it went
                // out (the run stopping) leaves the mutation in doubt, to be resent again, rather
                // than "not sent", which would send it afresh and be refused as a repeat.
                journal.appendLater(.outcome, entry: identity.key, body: .object(["not_sent": .string(error.message)]))
                journal.markUnsettled(identity.key, false)
            }
            // Anything else (no answer, a connection that failed after retries) stays in doubt,
            // for the next attempt to settle.
            throw error
        }
    }

    /// Settles a mutation an earlier attempt sent and never heard back about.
    private func settle(_ intent: JournalRecord) async throws(ProviderError) -> ProviderClient.Reply {
        if identity.stepLookupMissed {
            try await resolve("not_applied", how: "the step's lookup did not find it")
            return try await send()
        }
        switch try await client.inDoubt(method, path, query: query, body: body, headers: headers) {
        case .applied(var reply):
            try await resolve("applied", how: "found by \(identity.provider)'s lookup", result: reply.result)
            try await journaling(.outcome, body: Self.outcomeBody(of: reply))
            journal.markUnsettled(identity.key, false)
            reply.alreadyAccepted = true
            return reply
        case .notApplied:
            try await resolve("not_applied", how: "\(identity.provider)'s lookup did not find it")
            return try await send()
        case .recognisesRepeat(let reference):
            try await resolve("resent", how: "\(identity.provider) recognises a repeat by its \(reference)")
            return try await send(resending: true)
        case .unknowable:
            journal.markUnsettled(identity.key, true)
            let message = inDoubtMessage(intent)
            journal.halt(RunHalt(status: .inDoubt, kind: .inDoubt, message: message))
            throw ProviderError(provider: identity.provider, code: Self.inDoubtCode, message: message)
        }
    }

    private func resolve(_ decision: String, how: String, result: JSONValue? = nil) async throws(ProviderError) {
        var body: [String: JSONValue] = ["decision": .string(decision), "how": .string(how), "by": .string("payrun")]
        if let ids = result.flatMap(Self.ids), let id = ids["id"] ?? ids.sorted(by: { $0.key < $1.key }).first?.value { body["id"] = id }
        try await journaling(.resolution, body: .object(body))
    }

    /// What the run says when it stops before a mutation only a person can settle.
    private func inDoubtMessage(_ intent: JournalRecord) -> String {
        let run = journal.run.id
        let fields = Self.fields(intent.body["fields"])
        // The store named, so that the commands work as printed wherever the run's --state came from.
        let state = ShellWord.stateOption(journal.store.location)
        return """
            \(method) \(path) to \(identity.provider)\(fields) was sent at \(UTCTime.text(intent.at)) by an earlier attempt of run \(run) \
            and no answer was journaled; \(identity.provider) cannot be asked whether it arrived, so it is not sent again.
            Check in \(identity.provider) whether it was applied, then record what you found:
              payrun runs resolve \(run) \(identity.key) --applied ID \(state)    (it was applied; ID is what \(identity.provider) made)
              payrun runs resolve \(run) \(identity.key) --not-applied \(state)   (it was not; it is sent when the run resumes)
            \(journal.resumesWhenRunAgain ? "and run the same command again to resume" : "then resume the handler by replaying its event")
            """
    }

    // MARK: Records

    private var intentBody: JSONValue {
        var members: [String: JSONValue] = [
            "provider": .string(identity.provider), "method": .string(method), "path": .string(path),
            "body_sha256": .string(identity.bodyDigest), "occurrence": .integer(identity.occurrence),
        ]
        if !identity.query.isEmpty { members["query"] = .string(identity.query) }
        if let step = identity.step { members["step"] = .string(step) }
        if case .object(let fields)? = body {
            // What identifies the payment to a person: its short scalar fields.
            let scalars = fields.filter { member in
                switch member.value {
                case .string(let text): text.utf8.count <= 80
                case .integer, .number, .bool: true
                default: false
                }
            }
            members["fields"] = .object(scalars)
        }
        if let body { members["body"] = body }
        return .object(members)
    }

    private func journaling(_ kind: JournalRecord.Kind, durable: Bool = false, body: JSONValue) async throws(ProviderError) {
        do {
            try await journal.append(kind, entry: identity.key, body: body, durable: durable)
        } catch {
            var message = "the run's journal could not be written, so nothing more is sent: \(error.description)"
            let answered = journal.answersNotWritten()
            if !answered.isEmpty {
                // Their intents are on disk, their answers not: the next attempt finds them in
                // doubt, and this is the one place that knows they were applied.
                let state = ShellWord.stateOption(journal.store.location)
                message += "\nAnswered, and not journaled: \(answered.map(\.shown).joined(separator: ", ")). The next attempt finds "
                    + (answered.count == 1 ? "it" : "them") + " in doubt; " + (answered.count == 1 ? "it was" : "each was") + " applied:"
                for payment in answered {
                    message += "\n  payrun runs resolve \(journal.run.id) \(payment.key) --applied \(payment.id ?? "ID") \(state)"
                }
            }
            journal.halt(RunHalt(status: .scriptFailed, kind: .journal, message: message))
            throw ProviderError(provider: identity.provider, code: Self.journalCode, message: message)
        }
    }

    static func outcomeBody(of reply: ProviderClient.Reply) -> JSONValue {
        let result = reply.result
        var members: [String: JSONValue] = ["status": .integer(reply.status), "result": result]
        if reply.alreadyAccepted { members["already_accepted"] = .bool(true) }
        if let ids = ids(in: result), !ids.isEmpty { members["ids"] = .object(ids) }
        return .object(members)
    }

    /// The provider's `id` for what a journaled answer (``outcomeBody(of:)``) made, if it named one.
    static func id(inOutcome outcome: JSONValue) -> String? {
        let id = outcome["ids"]?["id"]
        return id?.string ?? id?.integer.map(String.init)
    }

    /// Whether a mutation answered with `error` may have been applied, or be applied later: a
    /// 5xx or 429; or, inside a successful answer, an error the provider calls retryable
    /// (Capitalist's "System error") or one with no code of the provider's (an empty or
    /// unreadable answer, which says nothing of what was done). Such an answer leaves it in doubt.
    static func mayYetBeApplied(_ error: ProviderError, status: Int) -> Bool {
        RetryPolicy.isRetryable(status: status) || (200..<300).contains(status) && (error.retryable || error.code == nil)
    }

    static func errorBody(_ error: ProviderError) -> JSONValue {
        var members: [String: JSONValue] = ["message": .string(error.message), "retryable": .bool(error.status.map { mayYetBeApplied(error, status: $0) } ?? true)]
        if let code = error.code { members["code"] = .string(code) }
        if let status = error.status { members["status"] = .integer(status) }
        return .object(members)
    }

    /// The provider's ids in a result: its top-level `id`, `…_id` and `…Id` members, and those of
    /// an object one level down when the top has none (Peex answers `{"request": {...}}`), named
    /// by the path to them (`request.track_id`).
    static func ids(in result: JSONValue) -> [String: JSONValue]? {
        guard case .object(let members) = result else { return nil }
        func isID(_ name: String, _ value: JSONValue) -> Bool {
            guard name == "id" || name.hasSuffix("_id") || name.hasSuffix("Id") else { return false }
            if case .string = value { return true }
            if case .integer = value { return true }
            return false
        }
        let top = members.filter(isID)
        guard top.isEmpty else { return top }
        var nested: [String: JSONValue] = [:]
        for (outer, value) in members {
            guard case .object(let inner) = value else { continue }
            for (name, id) in inner where isID(name, id) { nested[outer + "." + name] = id }
        }
        return nested
    }

    /// The reply (or error) an earlier attempt journaled, given again.
    static func replay(_ outcome: JSONValue, provider: String) throws(ProviderError) -> ProviderClient.Reply {
        if let error = outcome["error"] {
            var failure = ProviderError(provider: provider, status: error["status"]?.integer, message: error["message"]?.string ?? "")
            failure.code = error["code"]?.string
            failure.fromJournal = true
            throw failure
        }
        var reply = ProviderClient.Reply(
            result: outcome["result"] ?? .null, status: outcome["status"]?.integer ?? 200, headers: [], attempts: 0,
            alreadyAccepted: outcome["already_accepted"] == .bool(true))
        reply.fromJournal = true
        return reply
    }
}
