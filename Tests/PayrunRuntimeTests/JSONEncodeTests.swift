// payrun.json.encode: arrays vs objects, exact numbers, layout options and clear refusals.
import LuaKit
import Testing

@Suite struct JSONEncodeTests {
    let harness: ScriptHarness

    init() throws {
        harness = try ScriptHarness()
    }

    func encode(_ lua: String, _ options: String = "nil") throws -> String {
        try harness.run("return payrun.json.encode(\(lua), \(options))")[0].text ?? ""
    }

    @Test func sequencesAreArraysAndStringKeysAreObjects() throws {
        #expect(try encode("{1, 'two', 3.5, true}") == #"[1,"two",3.5,true]"#)
        #expect(try encode("{amount = 100}") == #"{"amount":100}"#)
        #expect(try encode("{}") == "{}")
        #expect(try encode("payrun.json.array()") == "[]")
        #expect(try encode("payrun.json.array({'x'})") == #"["x"]"#)
        #expect(try encode("{1, payrun.json.null, 3}") == "[1,null,3]")
        #expect(try encode("nil") == "null")
    }

    @Test func numbersAreExact() throws {
        #expect(try encode("{math.maxinteger, math.mininteger, 0.1, 1e300, -0.0, 2^53, 1/3}")
            == "[9223372036854775807,-9223372036854775808,0.1,1e+300,-0.0,9007199254740992.0,0.3333333333333333]")
    }

    @Test func stringsAreEscaped() throws {
        #expect(try encode(#"{"quote \" backslash \\ newline \n tab \t bell \a é"}"#)
            == #"["quote \" backslash \\ newline \n tab \t bell \u0007 é"]"#)
    }

    @Test func sortedKeysGiveReproducibleOutput() throws {
        #expect(try encode("{zeta = 1, alpha = {b = 2, a = 1}, mid = 3}", "{sort_keys = true}")
            == #"{"alpha":{"a":1,"b":2},"mid":3,"zeta":1}"#)
    }

    @Test func prettyPrinting() throws {
        #expect(try encode("{id = 'tx_1', lines = {1, 2}, meta = {}}", "{indent = 2, sort_keys = true}") == """
            {
              "id": "tx_1",
              "lines": [
                1,
                2
              ],
              "meta": {}
            }
            """)
        #expect(try encode("{1}", "{indent = true}") == "[\n  1\n]")
    }

    @Test func valuesWithNoJSONFormAreClearErrors() throws {
        func failure(_ lua: String) throws -> String {
            try harness.run("local ok, e = pcall(payrun.json.encode, \(lua)); return e")[0].text ?? ""
        }
        #expect(try failure("{amount = 0/0}") == "cannot encode $.amount as JSON: -nan is not a finite number, and JSON has no form for it"
            || failure("{amount = 0/0}") == "cannot encode $.amount as JSON: nan is not a finite number, and JSON has no form for it")
        #expect(try failure("{payments = {{fee = math.huge}}}") == "cannot encode $.payments[1].fee as JSON: inf is not a finite number, and JSON has no form for it")
        #expect(try failure("{callback = print}") == "cannot encode $.callback as JSON: a function has no JSON form")
        #expect(try failure("(function() local t = {}; t.self = t; return t end)()") == "cannot encode $.self as JSON: the table contains itself")
        #expect(try failure("{1, 2, x = 3}").contains("mixes integer and string keys"))
        #expect(try failure("{[1] = 'a', [3] = 'c'}").contains("holes"))
        #expect(try failure("{'\\255'}").contains("not valid UTF-8"))
        #expect(try harness.failure(of: "payrun.json.encode()") == "test:1: bad argument #1 to 'encode' (value expected)")
        // Too deep: the message names the first and last few steps, not all of them.
        let deep = try failure("(function() local t = {}; local c = t; for i = 1, 2000 do c.next = {}; c = c.next end; return t end)()")
        #expect(deep.hasPrefix("cannot encode $.next.next.next.next…(") && deep.hasSuffix(".next.next.next.next as JSON: nested more than 1000 levels deep"), "\(deep)")
        #expect(deep.count < 160, "\(deep.count) characters")
        let long = try failure("{[string.rep('k', 500)] = {print}}")
        #expect(long.contains("kkk…") && long.count < 120, "\(long)")
        #expect(try harness.failure(of: "payrun.json.encode({}, {indent = 'wide'})")
            == "test:1: bad argument #2 to 'encode' (field 'indent' must be true, false or a number of spaces from 0 to 16)")
    }

    @Test func aSharedTableIsNotACycle() throws {
        #expect(try encode("(function() local t = {1}; return {a = t, b = t} end)()", "{sort_keys = true}") == #"{"a":[1],"b":[1]}"#)
    }

    @Test func arrayMarkingRefusesTablesWithOtherMetatables() throws {
        #expect(try harness.failure(of: "payrun.json.array(setmetatable({}, {}))") == "test:1: bad argument #1 to 'array' (table already has a metatable)")
        #expect(try harness.run("local t = payrun.json.array({}); return payrun.json.array(t) == t") == [true])
    }
}
