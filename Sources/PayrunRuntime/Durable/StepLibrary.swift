// payrun.step(name, fn [, {lookup = fn}]): runs fn once per run. Its results are journaled, and a
// resumed run gets them back without calling fn again. The wrapper is Lua, so fn's requests wait
// (and yield inside payrun.parallel) like any other; the journal is kept by the Swift primitives
// it closes over, which scripts cannot reach.
import LuaKit
import PayrunFormats
import PayrunJournal

enum StepLibrary {
    /// Called with the primitives `begin`, `finish` and `missed`, and the message handler that
    /// keeps an error's traceback; returns `payrun.step`.
    static let source = #"""
    local begin, finish, missed, keep_traceback = ...
    local error, pack, pcall, xpcall, type, unpack = error, table.pack, pcall, xpcall, type, table.unpack

    local select, next, tostring = select, next, tostring

    -- As Lua's own argument errors say it: "no value" for an argument not given, "nil" for one given as nil.
    local function kind(position, count, value)
      if position > count then return "no value" end
      return type(value)
    end

    return function(...)
      local count = select("#", ...)
      local name, fn, options = ...
      if type(name) ~= "string" then error("bad argument #1 to 'step' (string expected, got " .. kind(1, count, name) .. ")", 2) end
      if type(fn) ~= "function" then error("bad argument #2 to 'step' (function expected, got " .. kind(2, count, fn) .. ")", 2) end
      if options ~= nil and type(options) ~= "table" then
        error("bad argument #3 to 'step' (table expected, got " .. type(options) .. ")", 2)
      end
      -- A misspelt field is never dropped: a lost lookup would pay a step again on resume.
      for key in next, options or {} do
        if key ~= "lookup" then
          local shown = type(key) == "string" and ("'" .. key .. "'") or tostring(key)
          error("bad argument #3 to 'step' (unknown field " .. shown .. " (the fields are lookup))", 2)
        end
      end
      local lookup = options and options.lookup
      if lookup ~= nil and type(lookup) ~= "function" then
        error("bad argument #3 to 'step' (field 'lookup': function expected, got " .. type(lookup) .. ")", 2)
      end
      -- Where the script called step: the prefix an error raised at its level would carry.
      local _, where = pcall(error, "", 3)
      local state, stored = begin(name, lookup ~= nil, where)
      if state == "done" then return unpack(stored, 1, stored.n) end
      if state == "twice" then
        -- The first call's place is unknown when it came through pcall (a C function's level).
        local first = stored ~= "" and (" (first at " .. stored .. ")") or ""
        error("step '" .. name .. "' is used twice in one run" .. first, 2)
      end
      if state == "lookup" then
        local found = pack(xpcall(lookup, keep_traceback))
        if not found[1] then finish(name, false, found, 2) error(found[2], 0) end
        if found[2] ~= nil then
          finish(name, true, found, 2, "lookup")
          return unpack(found, 2, found.n)
        end
        missed(name)
      end
      -- Caught to be journaled, then raised again: the traceback stays the one of where fn
      -- failed, with fn's own frames, not one that starts here.
      local results = pack(xpcall(fn, keep_traceback))
      finish(name, results[1], results, 2)
      if not results[1] then error(results[2], 0) end
      return unpack(results, 2, results.n)
    end
    """#

    /// Pushes `payrun.step` for `session`'s runs.
    static func push(on stack: LuaStack, session: ProviderSession) throws(LuaError) {
        try stack.reserve(4)
        try stack.load(source, chunkName: HostChunk.loadName(HostChunk.step))
        stack.push(function: { call in try begin(call, session: session) })
        stack.push(function: { call in try finish(call, session: session) })
        stack.push(function: { call in
            session.journal?.noteMissedLookup(try call.string(at: 1))
            return 0
        })
        stack.pushTracebackKeeper()
        _ = try stack.protectedCall(argumentCount: 4, resultCount: 1)
    }

    /// `begin(name, hasLookup, where)`: "done" and the stored results, "twice" and where the
    /// name was first used, "lookup" (resumed, unfinished, with a lookup) or "run".
    private static func begin(_ call: LuaCall, session: ProviderSession) throws -> LuaReturn {
        let name = try call.string(at: 1)
        let hasLookup = call.boolean(at: 2)
        let location = String((try call.string(at: 3)).dropLast(2))
        guard let journal = session.journal else {
            call.stack.push("run")
            return 1
        }
        if let first = journal.enterStep(name, at: location, on: call.stack.threadID) {
            call.stack.push("twice")
            call.stack.push(first)
            return 2
        }
        if let stored = journal.past.finishedSteps[name] {
            journal.meetStep(name)
            journal.leaveStep(on: call.stack.threadID)
            call.stack.push("done")
            try StepValues.push(stored, on: call.stack)
            return 2
        }
        let unfinished = journal.past.unfinishedSteps.contains(name)
        try record(.stepStarted, name: name, body: .object(["at": .string(location), "resumed": .bool(unfinished)]), call, journal)
        call.stack.push(unfinished && hasLookup ? "lookup" : "run")
        return 1
    }

    /// `finish(name, ok, results, first [, "lookup"])`: leaves the step and, when it succeeded,
    /// journals `results[first...n]` as its result (found by its lookup, if so).
    private static func finish(_ call: LuaCall, session: ProviderSession) throws -> LuaReturn {
        let name = try call.string(at: 1)
        guard let journal = session.journal else { return 0 }
        journal.leaveStep(on: call.stack.threadID)
        guard call.boolean(at: 2) else { return 0 }
        let table = call.index(of: 3)
        let first = try call.integer(at: 4)
        let count = call.stack.pushField("n", of: table) == .number ? call.stack.integer(at: -1) ?? 0 : 0
        call.stack.pop()
        let values: JSONValue
        do {
            values = try StepValues.encode(call.stack, table: table, from: first, to: count)
        } catch {
            throw LuaError(.runtime, "step '\(name)' returned what cannot be stored: \(error.message)")
        }
        var body: [String: JSONValue] = ["values": values]
        if call.type(at: 5) == .string {
            body["by"] = .string(try call.string(at: 5))
            journal.settleByLookup(step: name)
        }
        try record(.stepFinished, name: name, body: .object(body), call, journal)
        return 0
    }

    /// Queues a step's record, written with the next intent or soon after: lost in a crash, the
    /// step is only unfinished, and a resumed run runs it (or its lookup) again.
    private static func record(_ kind: JournalRecord.Kind, name: String, body: JSONValue, _ call: LuaCall, _ journal: RunJournal) throws {
        journal.appendLater(kind, entry: name, body: body)
    }
}
