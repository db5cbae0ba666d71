// A provider's reply and error as a script sees them: a response table beside each result, and
// errors as tables with a machine-readable code that print as their description.
import LuaKit
import PayrunFormats

enum ProviderValues {
    /// Registry name of the metatable of error tables.
    static let errorMetatableKey = "payrun.error"

    /// Makes the metatable error tables share: named `payrun.error`, printing their description.
    static func installErrorMetatable(on stack: LuaStack) {
        stack.pushTable(fieldCapacity: 3)             // stack: ... errormeta
        stack.push("payrun.error")
        stack.setField("__name", in: -2)
        stack.push(function: { call in
            // A provider error prints as its description, kept in the table.
            try call.check(.table, at: 1)
            call.stack.pushField("description", of: call.index(of: 1))
            return 1
        })
        stack.setField("__tostring", in: -2)
        stack.push(false)
        stack.setField("__metatable", in: -2)         // scripts cannot reach or swap it
        stack.setRegistryValue(errorMetatableKey)     // stack: ...
    }

    /// Pushes the response table that comes with a result: `{status=, attempts=, headers=,
    /// already_accepted=, journaled=}`, header names in lower case. Most scripts never look at
    /// it, so it is an empty table filled the first time anything reads it (``ReplyTables``),
    /// unless the session's unread tables hold too much already.
    static func pushResponse(_ reply: ProviderClient.Reply, session: ProviderSession, on stack: LuaStack) {
        let fields = ReplyTables.Fields(reply)
        // Its names and values, and a table's worth for the entry.
        let bytes = 64 + fields.headers.byteCount + 32 * fields.headers.count
        guard session.unreadBudget.allows(bytes) else {
            stack.pushTable(fieldCapacity: 4)
            setResponseFields(fields, in: stack.absoluteIndex(-1), on: stack)
            return
        }
        pushLazy(.response(fields), bytes: bytes, session: session, on: stack)
    }

    /// Pushes a reply's result as `json.decode` would have made it from the answer's text. A
    /// non-empty object from the parsed answer is an empty table filled the first time anything
    /// reads it (``ReplyTables``), unless the session's unread tables hold too much already;
    /// anything else is built at once.
    static func pushResult(_ result: ProviderResult, session: ProviderSession, on stack: LuaStack) throws(LuaError) {
        switch result {
        case .parsed(let node) where node.kind == .object && node.count > 0 && session.unreadBudget.allows(node.tape.byteCount):
            try stack.reserve(3)
            pushLazy(.result(node), bytes: node.tape.byteCount, session: session, on: stack)
        case .parsed(let node):
            try JSONLibrary.push(node, on: stack)
        case .built(let value):
            try JSONLibrary.push(value, on: stack)
        }
    }

    private static func pushLazy(_ entry: ReplyTables.Entry, bytes: Int, session: ProviderSession, on stack: LuaStack) {
        stack.pushTable(fieldCapacity: 0)                                  // stack: ... table
        let filler = ReplyTables.pushMetatable(on: stack, current: &session.replyTables, budget: session.unreadBudget)
        filler.add(stack.identity(at: -2)!, entry, bytes: bytes)           // stack: ... table metatable
        stack.setMetatable(of: -2)                                         // stack: ... table
    }

    /// Sets a response table's fields in the table at `table` (absolute), raw.
    static func setResponseFields(_ fields: ReplyTables.Fields, in table: Int32, on stack: LuaStack) {
        stack.push(fields.status)
        stack.setField("status", in: table)
        stack.push(fields.attempts)
        stack.setField("attempts", in: table)
        if fields.alreadyAccepted {
            stack.push(true)
            stack.setField("already_accepted", in: table)
        }
        if fields.fromJournal {
            stack.push(true)
            stack.setField("journaled", in: table)
        }
        let headers = fields.headers.pairs
        stack.pushTable(fieldCapacity: headers.count)
        for (name, value) in headers {
            stack.push(value)
            stack.setField(name.asciiLowercased, in: -2)
        }
        stack.setField("headers", in: table)
    }

    /// Pushes `error` as a table: provider, status, code, message, request_id, retryable,
    /// details, journaled (when it came from the journal), description; `tostring` gives the
    /// description.
    static func pushError(_ error: ProviderError, on stack: LuaStack) {
        stack.pushTable(fieldCapacity: 8)
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
        stack.pushTable(fieldCapacity: error.details.count)
        for (name, value) in error.details {
            stack.push(value)
            stack.setField(name, in: -2)
        }
        stack.setField("details", in: -2)
        if error.fromJournal {
            stack.push(true)
            stack.setField("journaled", in: -2)
        }
        if error.outcomeUnknown {
            // Sent, and no answer: what a script must look up before it sends the same again.
            stack.push(true)
            stack.setField("outcome_unknown", in: -2)
        }
        stack.push(error.description)
        stack.setField("description", in: -2)
        stack.pushRegistryValue(errorMetatableKey)
        stack.setMetatable(of: -2)
    }

    /// An error that raises `error` as its table.
    static func raise(_ error: ProviderError, _ call: LuaCall) -> some LuaRaisable {
        pushError(error, on: call.stack)
        return call.error(raising: call.argumentCount)
    }
}
