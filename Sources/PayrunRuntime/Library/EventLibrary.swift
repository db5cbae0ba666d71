// payrun.on(provider, type, fn): registers a handler for the webhooks `payrun listen` receives.
// The registrations live in Lua, in a table only the two closures below can reach; after the
// file's main chunk has run, the runner hands the event to every handler that matches it.
import LuaKit
import PayrunFormats

enum EventLibrary {
    /// Called with the names of the providers whose webhooks can be received; returns `on`,
    /// `dispatch(event)` (how many handlers ran) and `registered()` (a list of "provider type").
    static let source = #"""
    local providers = ...
    local error, ipairs, select, type = error, ipairs, select, type
    local handlers = {}

    local function kind(position, count, value)
      if position > count then return "no value" end
      return type(value)
    end

    local function on(...)
      local count = select("#", ...)
      local provider, event_type, fn = ...
      if type(provider) ~= "string" then error("bad argument #1 to 'on' (string expected, got " .. kind(1, count, provider) .. ")", 2) end
      if not providers[provider] then
        error("bad argument #1 to 'on' (no provider '" .. provider .. "' receives webhooks; these do: " .. providers[1] .. ")", 2)
      end
      if type(event_type) ~= "string" then error("bad argument #2 to 'on' (string expected, got " .. kind(2, count, event_type) .. ")", 2) end
      if type(fn) ~= "function" then error("bad argument #3 to 'on' (function expected, got " .. kind(3, count, fn) .. ")", 2) end
      handlers[#handlers + 1] = { provider, event_type, fn }
    end

    -- Every matching handler, in the order they were registered; an error in one stops the rest.
    local function dispatch(event)
      local ran = 0
      for _, handler in ipairs(handlers) do
        if handler[1] == event.provider and (handler[2] == "*" or handler[2] == event.type) then
          ran = ran + 1
          handler[3](event)
        end
      end
      return ran
    end

    local function registered()
      local list = {}
      for index, handler in ipairs(handlers) do list[index] = handler[1] .. " " .. handler[2] end
      return list
    end

    return on, dispatch, registered
    """#

    private static let dispatchKey = "payrun.events.dispatch"
    private static let registeredKey = "payrun.events.registered"

    /// Pushes `payrun.on`, keeping its two companions in the registry.
    static func push(on stack: LuaStack, providers: [String]) throws(LuaError) {
        try stack.reserve(5)
        try stack.load(source, chunkName: HostChunk.loadName(HostChunk.on))
        stack.pushTable(arrayCapacity: 1, fieldCapacity: providers.count)  // stack: chunk providers
        stack.push(providers.isEmpty ? "none" : providers.joined(separator: ", "))
        stack.setElement(1, in: -2)
        for provider in providers {
            stack.push(true)
            stack.setField(provider, in: -2)
        }
        _ = try stack.protectedCall(argumentCount: 1, resultCount: 3)  // stack: on dispatch registered
        stack.setRegistryValue(registeredKey)
        stack.setRegistryValue(dispatchKey)                             // stack: on
    }

    /// Calls every handler registered for `event`; returns how many ran.
    /// - Throws: what a handler raised.
    static func dispatch(_ event: HandlerEvent, in state: LuaState) throws(LuaError) -> Int {
        let stack = state.stack
        let base = stack.top
        defer { stack.top = base }
        try stack.reserve(4)
        guard stack.pushRegistryValue(dispatchKey) == .function else { return 0 }
        stack.pushTable(fieldCapacity: 6)                    // stack: dispatch event
        for (name, value) in [("provider", event.provider), ("type", event.type), ("id", event.id), ("received_at", event.receivedAt)] {
            stack.push(value)
            stack.setField(name, in: -2)
        }
        stack.push(event.attempt)
        stack.setField("attempt", in: -2)
        // A body that is not JSON is handed over as its text.
        let decoded = event.body.withUnsafeBytes { bytes -> Bool in
            do {
                try JSONLibrary.decode(bytes, on: stack)
                return true
            } catch {
                return false
            }
        }
        if !decoded { event.body.withUnsafeBytes { stack.push(bytes: $0) } }
        stack.setField("body", in: -2)                       // stack: dispatch event
        _ = try stack.protectedCall(argumentCount: 1, resultCount: 1)
        return stack.integer(at: -1) ?? 0
    }

    /// What the file registered, as "provider type", in order.
    static func registered(in state: LuaState) -> [String] {
        let stack = state.stack
        let base = stack.top
        defer { stack.top = base }
        guard (try? stack.reserve(3)) != nil, stack.pushRegistryValue(registeredKey) == .function,
              (try? stack.protectedCall(argumentCount: 0, resultCount: 1)) != nil
        else { return [] }
        return (0..<stack.rawLength(at: -1)).compactMap { index in
            _ = stack.pushElement(index + 1, of: -1)
            defer { stack.pop() }
            return stack.string(at: -1)
        }
    }
}
