// What the runtime does with tables through LuaKit instead of Lua's C API: raw reads and writes,
// iteration, metatables, and options tables whose errors name the field.
import LuaKit
import Testing

@Suite struct LuaTableAccessTests {
    let state: LuaState

    init() throws {
        state = try LuaState()
        try state.open([.base, .string])
        // get(self, path, options): reads the options as payrun's functions do.
        state.register(library: "client", [
            LuaRegistration("get") { call in
                let limit = try call.integerField("limit", of: 3, in: 1...100)
                let cursor = try call.stringField("cursor", of: 3)
                let headers = try call.stringPairsField("headers", of: 3) ?? []
                let verbose = try call.flagField("verbose", of: 3)
                call.stack.push("\(limit.map(String.init) ?? "-") \(cursor ?? "-") \(headers.map { "\($0.0)=\($0.1)" }.joined(separator: ",")) \(verbose)")
                return 1
            },
        ])
    }

    func failure(_ code: String) throws -> String {
        try state.run("local ok, err = pcall(function() \(code) end); return err", chunkName: "=test").first?.text ?? ""
    }

    @Test func fieldsAreReadRawAndChecked() throws {
        #expect(try state.run("return client:get('/x', { limit = 5, cursor = 'c2', headers = { B = '2', A = '1' }, verbose = 1 })")
            == ["5 c2 A=1,B=2 true"])
        #expect(try state.run("return client:get('/x')") == ["- -  false"], "an absent options table is no options")
        #expect(try state.run("return client:get('/x', { limit = 7.0 })") == ["7 -  false"], "an exact float converts, as luaL_checkinteger does")
    }

    @Test func badFieldsAreArgumentErrorsNamingTheField() throws {
        #expect(try failure("client:get('/x', { limit = 'ten' })") == "test:1: bad argument #2 to 'get' (field 'limit': integer expected, got string)")
        #expect(try failure("client:get('/x', { limit = 1.5 })") == "test:1: bad argument #2 to 'get' (field 'limit': number has no integer representation)")
        #expect(try failure("client:get('/x', { limit = 500 })") == "test:1: bad argument #2 to 'get' (field 'limit' must be an integer from 1 to 100)")
        #expect(try failure("client:get('/x', { cursor = 3 })") == "test:1: bad argument #2 to 'get' (field 'cursor': string expected, got number)")
        #expect(try failure("client:get('/x', { headers = { A = {} } })") == "test:1: bad argument #2 to 'get' (field 'headers' must map names to strings)")
        #expect(try failure("client:get('/x', 'fast')") == "test:1: bad argument #2 to 'get' (table expected, got string)")
    }

    @Test func tablesAreBuiltAndWalkedWithoutMetamethods() throws {
        let stack = state.stack
        let base = stack.top
        defer { stack.top = base }
        try state.run("trap = setmetatable({}, { __index = function() error('ran __index') end, __newindex = function() error('ran __newindex') end })")
        stack.pushGlobal("trap")
        let trap = stack.top
        stack.push("paid")
        stack.setElement(1, in: trap)
        stack.push("status")
        stack.push("settled")
        try stack.setEntry(in: trap)
        #expect(stack.pushElement(1, of: trap) == .string && stack.string(at: -1) == "paid")
        stack.pop()
        stack.push("missing")
        #expect(stack.getEntry(in: trap) == .nil, "a raw read runs no __index")
        stack.pop()
        var seen: [String: String] = [:]
        stack.forEachEntry(of: trap) { key, value in
            seen[stack.describe(at: key)] = stack.string(at: value)
        }
        #expect(seen == ["1": "paid", "status": "settled"])
        #expect(stack.top == trap, "iteration leaves the stack as it found it")
        #expect(stack.pushMetatable(of: trap))
        #expect(stack.pushField("__index", ofMetatableAt: trap))
        #expect(stack.type(at: -1) == .function)
        #expect(stack.rawLength(at: trap) == 1)
    }
}
