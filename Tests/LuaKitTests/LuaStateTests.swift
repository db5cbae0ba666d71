// The state's lifetime, loading, globals and memory accounting.
import LuaKit
import Testing

@Suite struct LuaStateTests {
    @Test func runsAChunkAndReturnsItsResults() throws {
        let state = try LuaState()
        try state.open([.base])
        let results = try state.run("return 1 + 1, 'two', nil, 2.5")
        #expect(results == [.integer(2), "two", .nil, .number(2.5)])
    }

    @Test func aSyntaxErrorNamesTheChunkLineAndWhatWasExpected() throws {
        let state = try LuaState()
        #expect {
            _ = try state.load("local x = 1\nif x then\n", chunkName: "@orders.lua")
        } throws: { error in
            let error = error as! LuaError
            return error.kind == .syntax && error.message == "orders.lua:3: 'end' expected (to close 'if' at line 2) near <eof>"
        }
    }

    @Test func binaryChunksAreRefused() throws {
        let state = try LuaState()
        try state.open([.base, .string])
        let dumped = try state.run("return string.dump(function() return 1 end)")
        guard case .string(let bytecode) = dumped[0] else { Issue.record("no bytecode"); return }
        #expect(throws: LuaError.self) { _ = try state.load(bytecode.bytes, chunkName: "=dumped") }
    }

    @Test func globalsGoBothWays() throws {
        let state = try LuaState()
        try state.setGlobal("limit", 500)
        #expect(try state.run("return limit * 2") == [1000])
        try state.run("answer = { 'a', 'b' }")
        #expect(try state.global("answer") == ["a", "b"])
        #expect(try state.global("missing") == .nil)
    }

    @Test func registeredLibrariesAreTablesOfSwiftFunctions() throws {
        let state = try LuaState()
        state.register(library: "shop", [
            LuaRegistration("double") { call in
                call.stack.push(try call.integer(at: 1) * 2)
                return 1
            },
        ])
        #expect(try state.run("return shop.double(21)") == [42])
    }

    @Test func theAllocatorAccountsForWhatScriptsAllocate() throws {
        let state = try LuaState()
        try state.open([.base, .string])
        let before = state.memoryInUse
        try state.run("big = string.rep('x', 1000000)")
        #expect(state.memoryInUse >= before + 1_000_000)
        try state.run("big = nil; collectgarbage()")
        #expect(state.memoryInUse < before + 100_000)
        #expect(state.peakMemory >= before + 1_000_000)
    }

    @Test func aMemoryLimitIsALuaErrorTheScriptCanCatch() throws {
        let state = try LuaState(memoryLimit: 8 * 1024 * 1024)
        try state.open([.base, .string, .table])
        let results = try state.run("""
            local t = {}
            local ok, err = pcall(function()
              for i = 1, 1e9 do t[i] = string.rep('x', 1024) .. i end
            end)
            t = nil
            collectgarbage()
            return ok, err
            """)
        // Where the script was when it passed the limit: the loop's line.
        #expect(results.first == false)
        #expect(results.last?.text?.hasSuffix(":3: not enough memory") == true, "\(results)")
        // The state is still usable afterwards.
        #expect(try state.run("return 40 + 2") == [42])
    }

    @Test func aMemoryErrorIsRaisedWhereTheScriptIsAndLeavesRoomToGoOn() throws {
        let limit = 8 * 1024 * 1024
        let state = try LuaState(memoryLimit: limit)
        try state.open([.base, .string, .table, .coroutine])
        // In a coroutine too: the error is raised in the one that allocated, once.
        let results = try state.run("""
            local kept = {}
            local co = coroutine.create(function()
              local t = {}
              kept.t = t
              for i = 1, 1e9 do t[i] = {i} end
            end)
            local ok, err = coroutine.resume(co)
            -- Caught, with all it allocated still held: as much room to go on with as before.
            local after = {}
            for i = 1, 100 do after[i] = string.rep('y', 100) .. i end
            kept = nil
            collectgarbage()
            return ok, err, #after
            """)
        #expect(results.count == 3 && results[0] == false && results[2] == 100, "\(results)")
        #expect(results[1].text?.hasSuffix(":5: not enough memory") == true, "\(results)")
        // Never more than the limit and its grace (a sixteenth) in use.
        #expect(state.peakMemory <= limit + limit / 16)
        #expect(try state.run("return 40 + 2") == [42])
    }

    @Test func eachCallPastTheLimitGetsItsOwnErrorWithItsLine() throws {
        let state = try LuaState(memoryLimit: 4 * 1024 * 1024)
        try state.open([.base, .string, .table])
        // The first call keeps what it allocated; the second, still past the limit, is told too,
        // with its own line, and a caught error leaves room for a message.
        for _ in 0..<2 {
            let results = try state.run("""
                kept = kept or {}
                local ok, err = pcall(function()
                  for i = 1, 1e9 do kept[#kept + 1] = {i} end
                end)
                return ok, err, "room " .. #kept
                """)
            #expect(results.first == false && results[1].text?.hasSuffix(":3: not enough memory") == true, "\(results)")
            #expect(results.last?.text?.hasPrefix("room ") == true)
        }
    }

    @Test func theStateClosesWhenTheLastReferenceGoes() throws {
        final class Flag: @unchecked Sendable { var released = false }
        let flag = Flag()
        do {
            let state = try LuaState()
            final class Probe {
                let flag: Flag
                init(_ flag: Flag) { self.flag = flag }
                deinit { flag.released = true }
            }
            let probe = Probe(flag)
            state.setGlobal("f") { _ in _ = probe; return 0 }
        }
        #expect(flag.released, "closing the state releases the Swift closures Lua held")
    }
}
