// payrun.parallel(items, fn [, {concurrency = 16}]): fn(item) for every item, up to `concurrency`
// at a time, results in the items' order. Provider requests inside fn overlap; everything else
// runs one coroutine at a time on the script's thread, so no Lua code races another.
import CLua
import CLuaShims
import LuaKit

enum ParallelLibrary {
    static func functions(session: ProviderSession) -> [LuaRegistration] { [
        LuaRegistration("parallel") { call in try parallel(call, session: session) },
        LuaRegistration("sleep") { call in try sleep(call, session: session) },
    ] }

    /// `payrun.sleep(seconds)`: waits, hearing the time limit and Ctrl-C; inside
    /// `payrun.parallel` only the calling coroutine waits, and the others run meanwhile.
    static func sleep(_ call: LuaCall, session: ProviderSession) throws -> LuaReturn {
        let seconds = try call.number(at: 1)
        guard seconds >= 0, seconds <= 3600 else { throw LuaArgumentError.invalid(at: 1, "seconds must be between 0 and 3600") }
        let duration = Duration.milliseconds(Int((seconds * 1000).rounded()))
        let L = call.stack.unsafeState
        if let scheduler = session.scheduler, scheduler.owns(L), lua_isyieldable(L) != 0 {
            scheduler.start(for: L) { () async throws(ProviderError) -> ProviderClient.Reply in
                try? await Task.sleep(for: duration)
                return ProviderClient.Reply(result: .null, status: 0, headers: [], attempts: 0, warning: nil)
            }
            lua_pushlightuserdata(L, scheduler.marker)
            return try call.yield(1) { resumed in
                _ = scheduler.take(for: resumed.stack.unsafeState)
                return 0
            }
        }
        try BlockingWait.run(stoppable: call.stack) { try await Task.sleep(for: duration) }
        return 0
    }

    private struct Running {
        let thread: OpaquePointer
        let item: Int
    }

    static func parallel(_ call: LuaCall, session: ProviderSession) throws -> LuaReturn {
        try call.check(.table, at: 1)
        try call.check(.function, at: 2)
        let concurrency = try call.integerOption("concurrency", at: 3, in: 1...1024) ?? 16
        guard session.scheduler == nil else { throw LuaError(.runtime, "payrun.parallel cannot run inside payrun.parallel") }
        let scheduler = ParallelScheduler()
        session.scheduler = scheduler
        defer { session.scheduler = nil }

        let L = call.stack.unsafeState
        let stack = call.stack
        let items = call.index(of: 1)
        let function = call.index(of: 2)
        let count = Int(lua_rawlen(L, items))
        try stack.reserve(4)
        lua_createtable(L, Int32(clamping: count), 0)      // stack: ... results
        let results = stack.top
        lua_createtable(L, 0, Int32(clamping: concurrency)) // stack: ... results anchors
        let anchors = stack.top                            // keeps running threads from the collector
        let host = luashim_gethost(L)!
        var running: [UInt: Running] = [:]
        var next = 1
        var failed = false

        /// Resumes `thread` with `arguments` values already on it, and deals with how it stopped.
        func resume(_ thread: OpaquePointer, item: Int, arguments: Int32) throws {
            var resultCount: Int32 = 0
            let allowance = host.pointee.host_allowance
            host.pointee.host_allowance = 0
            let entry = luashim_enter(host, thread)
            let status = lua_resume(thread, L, arguments, &resultCount)
            luashim_leave(host, entry)
            host.pointee.host_allowance = allowance
            switch status {
            case LUA_YIELD where resultCount == 1 && lua_touserdata(thread, -1) == scheduler.marker:
                // Waiting for a response; resumed when it arrives. Only the yielded value goes:
                // what lies below is the waiting call's own.
                lua_settop(thread, -2)
            case LUA_YIELD:
                lua_settop(thread, -resultCount - 1)
                finish(thread)
                throw LuaError(.runtime, "payrun.parallel: the function yielded for item \(item); only provider requests may wait inside it")
            case LUA_OK:
                if resultCount > 0 {
                    lua_xmove(thread, L, 1)                // stack: ... results anchors value
                    lua_rawseti(L, results, lua_Integer(item))
                }
                lua_settop(thread, 0)
                finish(thread)
            default:
                lua_xmove(thread, L, 1)                    // stack: ... results anchors error
                finish(thread)
                throw call.error(raising: call.argumentCount)
            }
        }

        func finish(_ thread: OpaquePointer) {
            let key = ParallelScheduler.key(thread)
            scheduler.release(thread)
            if let entry = running.removeValue(forKey: key) {
                lua_pushnil(L)
                lua_rawseti(L, anchors, lua_Integer(entry.item))
            }
        }

        do {
            while true {
                while !failed, running.count < concurrency, next <= count {
                    let thread = lua_newthread(L)!         // stack: ... results anchors thread
                    lua_rawseti(L, anchors, lua_Integer(next))
                    scheduler.adopt(thread)
                    running[ParallelScheduler.key(thread)] = Running(thread: thread, item: next)
                    lua_pushvalue(L, function)
                    lua_rawgeti(L, items, lua_Integer(next))
                    lua_xmove(L, thread, 2)
                    let item = next
                    next += 1
                    try resume(thread, item: item, arguments: 1)
                }
                if running.isEmpty { break }
                guard let ready = scheduler.waitForArrivals(host: host) else {
                    throw LuaError(.runtime, "script stopped while waiting for responses")
                }
                for key in ready {
                    guard let entry = running[key] else { continue }
                    try resume(entry.thread, item: entry.item, arguments: 0)
                }
            }
        } catch {
            // Leave the others to their fate: their responses are dropped with the scheduler.
            failed = true
            for entry in running.values { scheduler.release(entry.thread) }
            throw error
        }
        lua_settop(L, results)                              // stack: ... results
        return 1
    }
}
