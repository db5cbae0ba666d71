// Values moving between Swift and Lua, both ways.
import LuaKit
import Testing

@Suite struct LuaValueTests {
    let state: LuaState

    init() throws {
        state = try LuaState()
        try state.open([.base, .coroutine, .math, .string])
    }

    /// Hands `value` to Lua as `...`, and takes back what Lua returns for `body`.
    func roundTrip(_ value: LuaValue, _ body: String = "return ...") throws -> [LuaValue] {
        try state.run(body, chunkName: "=roundtrip", [value])
    }

    @Test func integersAndFloatsStayDistinct() throws {
        #expect(try roundTrip(3, "return math.type(...)") == ["integer"])
        #expect(try roundTrip(3.0, "return math.type(...)") == ["float"])
        #expect(try state.run("return 3, 3.0, 2^53, math.maxinteger, math.mininteger") ==
            [.integer(3), .number(3), .number(9007199254740992), .integer(Int.max), .integer(Int.min)])
    }

    @Test func nilAndBooleansRoundTrip() throws {
        #expect(try roundTrip(.nil) == [.nil])
        #expect(try roundTrip(true) == [true])
        #expect(try roundTrip(false, "return not ...") == [true])
    }

    @Test func stringsAreBytesIncludingZerosAndInvalidUTF8() throws {
        let bytes: [UInt8] = [0x61, 0x00, 0xFF, 0xFE, 0x62]
        let result = try roundTrip(.string(LuaString(bytes: bytes)), "local s = ...; return s, #s")
        #expect(result == [.string(LuaString(bytes: bytes)), 5])
        #expect(LuaString(bytes: bytes).text == nil)
        #expect(try roundTrip("héllo", "return #...") == [6])
    }

    @Test func arraysAndDictionariesBecomeTablesAndComeBack() throws {
        let value: LuaValue = ["ids": [1, 2, 3], "name": "batch", "nested": ["ok": true]]
        #expect(try roundTrip(value, "local t = ...; return #t.ids, t.nested.ok, t.name") == [3, true, "batch"])
        #expect(try roundTrip(value) == [value])
        #expect(try state.run("return {10, 20, 30}") == [[10, 20, 30]])
        #expect(try state.run("return {[1] = 'a', [3] = 'c'}") == [[1: "a", 3: "c"]])
        #expect(try state.run("return {}") == [[]])
    }

    @Test func aTableThatContainsItselfCannotBeCopied() throws {
        #expect {
            try state.run("local t = {}; t.self = t; return t")
        } throws: { error in
            (error as! LuaError).kind == .conversion
        }
    }

    @Test func functionsComeBackAsReferencesThatCanBeCalled() throws {
        let results = try state.run("return function(a, b) return a * b end")
        guard case .function(let multiply) = results[0] else { Issue.record("not a function"); return }
        #expect(try state.call(multiply, [6, 7]) == [42])
        // The same function handed back to Lua is the same Lua object.
        #expect(try state.run("local f, g = ...; return f == g", [.function(multiply), .function(multiply)]) == [true])
    }

    @Test func userdataAndLightUserdataKeepTheirIdentity() throws {
        var marker = 0
        let pointer = withUnsafeMutablePointer(to: &marker) { UnsafeMutableRawPointer($0) }
        #expect(try roundTrip(.lightUserdata(pointer)) == [.lightUserdata(pointer)])
        #expect(try roundTrip(.lightUserdata(pointer), "return type(...)") == ["userdata"])
        try state.open([.io])
        let results = try state.run("return io.stdout, io.stdout")
        guard case .userdata(let first) = results[0], case .userdata(let second) = results[1] else {
            Issue.record("not userdata"); return
        }
        #expect(first == second)
        #expect(try state.run("return io.type(...)", [.userdata(first)]) == ["file"])
    }

    @Test func threadsComeBackAsReferences() throws {
        let results = try state.run("return coroutine.create(print)")
        guard case .thread = results[0] else { Issue.record("not a thread"); return }
    }

    @Test func deeplyNestedTablesAreRefusedNotACrash() throws {
        #expect {
            try state.run("local t = {} for i = 1, 100000 do t = {t} end return t")
        } throws: { error in
            (error as! LuaError).message == "cannot copy tables nested more than 200 levels deep into Swift"
        }
    }

    @Test func aNaNKeyIsRefusedBeforeLuaWouldRaise() throws {
        #expect(throws: LuaError.self) { try state.setGlobal("t", .dictionary([.number(.nan): 1])) }
        #expect(try state.run("return 1") == [1])
    }

    @Test func aReferenceFromAnotherStateIsRefused() throws {
        let other = try LuaState()
        let function = try other.run("return function() end")[0]
        #expect(throws: LuaError.self) { try state.setGlobal("f", function) }
    }
}
