// payrun.inspect: nested tables rendered readably and deterministically, cycles marked.
import LuaKit
import Testing

@Suite struct InspectTests {
    let harness: ScriptHarness

    init() throws {
        harness = try ScriptHarness()
    }

    func inspect(_ lua: String, _ options: String = "nil") throws -> String {
        try harness.run("return payrun.inspect(\(lua), \(options))")[0].text ?? ""
    }

    @Test func scalars() throws {
        #expect(try inspect("nil") == "nil")
        #expect(try inspect("42") == "42")
        #expect(try inspect("1.0") == "1.0")
        #expect(try inspect(#""line\nbreak \"quoted\"""#) == #""line\nbreak \"quoted\"""#)
        #expect(try inspect("payrun.json.null") == "json.null")
    }

    @Test func shortTablesStayOnOneLineWithTheSequenceFirstAndKeysSorted() throws {
        #expect(try inspect("{3, 2, 1, zeta = true, alpha = 'a', ['two words'] = 2, [10] = 'ten'}")
            == #"{ 3, 2, 1, [10] = "ten", alpha = "a", ["two words"] = 2, zeta = true }"#)
        #expect(try inspect("{}") == "{}")
        #expect(try inspect("{['end'] = 1}") == #"{ ["end"] = 1 }"#)
    }

    @Test func longTablesGoOneEntryALine() throws {
        let text = try inspect("{customer = {id = 'cus_123', name = 'Ada Lovelace', email = 'ada@example.com'}, amount = 1250}")
        #expect(text == """
            {
              amount = 1250,
              customer = { email = "ada@example.com", id = "cus_123", name = "Ada Lovelace" }
            }
            """)
    }

    @Test func cyclesAndSharedTablesAreLabelled() throws {
        #expect(try inspect("(function() local t = {1}; t.self = t; return t end)()") == "<1>{ 1, self = <table 1> }")
        #expect(try inspect("(function() local s = {}; return {a = s, b = s} end)()") == "{ a = <1>{}, b = <table 1> }")
    }

    @Test func aTableUsedAsAKeyIsLookedUpAsItselfAndLabelledWhenShared() throws {
        // Looked up through a copy of the key, the value was nil, and the shared table not labelled.
        #expect(try inspect("(function() local k = {} return {[k] = 'v', ref = k} end)()") == #"{ ref = <1>{}, [<table 1>] = "v" }"#)
        #expect(try inspect("{[print] = 1, [true] = 2, [2.5] = 3, x = 4}") == "{ [2.5] = 3, x = 4, [true] = 2, [<function 1>] = 1 }")
    }

    @Test func anAmountIsShownAsTheDecimalItIs() throws {
        #expect(try inspect("{ amount = payrun.decimal.new('12.50') }") == #"{ amount = payrun.decimal.new("12.50") }"#)
    }

    @Test func aResponsePassedAsOptionsSaysWhatItIs() throws {
        // `payrun.inspect(p:get(path))` passes get's second result, the response, as the options.
        let failure = try harness.failure(of: "payrun.inspect({id = 1}, {status = 200, headers = {}})")
        #expect(failure.hasPrefix("test:1: bad argument #2 to 'inspect' (a response, not options: "), "\(failure)")
        #expect(failure.contains("payrun.inspect((p:get(...)))"))
    }

    @Test func functionsAreNumberedForStableOutput() throws {
        #expect(try inspect("{print, print, tostring}") == "{ <function 1>, <function 1>, <function 2> }")
    }

    @Test func limitsShortenLongAndDeepValues() throws {
        #expect(try inspect("{1, 2, 3, 4, 5}", "{max_items = 2}") == "{ 1, 2, ... (3 more) }")
        #expect(try inspect("{a = {b = {c = {}}}}", "{depth = 2}") == "{ a = { b = {...} } }")
        #expect(try harness.failure(of: "payrun.inspect({}, {depth = -1})")
            == "test:1: bad argument #2 to 'inspect' (field 'depth' must be an integer from 0 to 1000)")
    }
}
