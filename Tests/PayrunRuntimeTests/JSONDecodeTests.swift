// payrun.json.decode: values, their Lua types, and errors that say where and what.
import LuaKit
import Testing

@Suite struct JSONDecodeTests {
    let harness: ScriptHarness

    init() throws {
        harness = try ScriptHarness()
    }

    func decode(_ json: String, _ body: String) throws -> [LuaValue] {
        try harness.run("local v = payrun.json.decode(...); \(body)", [LuaValue(json)])
    }

    @Test func objectsArraysAndScalars() throws {
        #expect(try decode(#"{"id":"tx_1","amount":12.5,"paid":true,"tags":["a","b"]}"#,
                           "return v.id, v.amount, v.paid, #v.tags, v.tags[2]") == ["tx_1", 12.5, true, 2, "b"])
        #expect(try decode("  [1, [2, [3]]]  ", "return v[2][2][1]") == [3])
        #expect(try decode(#""just a string""#, "return v") == ["just a string"])
    }

    @Test func integersStayIntegersUpTo64Bits() throws {
        #expect(try decode("[9223372036854775807, -9223372036854775808, 0, -0, 42]",
                           "return math.type(v[1]), v[1], v[2], math.type(v[5])")
            == ["integer", .integer(Int.max), .integer(Int.min), "integer"])
        #expect(try decode("[9223372036854775808, 1.0, 1e2]", "return type(v[1]), tostring(v[1]), math.type(v[2]), v[3]")
            == ["userdata", "9223372036854775808", "float", .number(100)])
    }

    @Test func numbersAFloatCannotHoldBecomeDecimalsNeverRoundedFloats() throws {
        // Past 64 bits, and more digits than a float keeps: the digits as written, as payrun.decimal.
        #expect(try decode("[123456789012345678901234567890, 0.123456789012345678, -1234567890.123456789]",
                           "return tostring(v[1]), tostring(v[2]), tostring(v[3]), tostring(v[2] * 2)")
            == ["123456789012345678901234567890", "0.123456789012345678", "-1234567890.123456789", "0.246913578024691356"])
        #expect(try decode(#"{"amount": 12345678901234567.89}"#, "return type(v.amount), payrun.json.encode(v)")
            == ["userdata", #"{"amount":12345678901234567.89}"#], "and it is written back with the same digits")
        // A float written with all its digits is that float: it stays one.
        #expect(try decode("[0.30000000000000004, 2.2250738585072014e-308]", "return math.type(v[1]), math.type(v[2])") == ["float", "float"])
        // More than a decimal's 38 digits: refused, with where.
        let tooLong = try harness.run("return payrun.json.trydecode('[1, 1234567890123456789012345678901234567890123]')")
        #expect(tooLong[0] == .nil && (tooLong[1].text ?? "").contains("at byte 4") && (tooLong[1].text ?? "").contains("38 significant digits"), "\(tooLong)")
        // As asked: refused with its offset, or rounded.
        let refused = try harness.run("return payrun.json.trydecode('{\"a\": 123456789012345678901}', {big_numbers = 'error'})")
        #expect((refused[1].text ?? "").contains("at byte 6") && (refused[1].text ?? "").contains("123456789012345678901"), "\(refused)")
        #expect(try harness.run("return math.type(payrun.json.decode('123456789012345678901', {big_numbers = 'float'}))") == ["float"])
        // An exponent of Int.min overflowed (a crash) while the digits were compared with the float's.
        let hugeExponent = try harness.run("return payrun.json.trydecode('0.1234567890123456e-9223372036854775808')")
        #expect(hugeExponent[0] == .nil && (hugeExponent[1].text ?? "").contains("38 significant digits"), "\(hugeExponent)")
        #expect(try harness.failure(of: "payrun.json.decode('1', {big_numbers = 'exact'})")
            == #"test:1: bad argument #2 to 'decode' (field 'big_numbers' must be "decimal", "error" or "float")"#)
    }

    @Test func floatsRoundTripExactly() throws {
        let values = ["0.1", "1e-7", "123456.789", "2.2250738585072014e-308", "1.7976931348623157e308",
                      "5e-324", "0.30000000000000004", "-1.5e300", "3.141592653589793"]
        for text in values {
            let result = try decode("[\(text)]", "return v[1], payrun.json.decode(payrun.json.encode(v))[1] == v[1]")
            #expect(result == [.number(Double(text)!), true], "\(text)")
        }
    }

    @Test func nullIsASentinelThatSurvivesARoundTrip() throws {
        #expect(try decode(#"{"reference":null,"list":[null,1]}"#,
                           "return v.reference == payrun.json.null, #v.list, tostring(v.list[1])") == [true, 2, "null"])
        #expect(try decode(#"{"reference":null,"list":[null,1]}"#, "return payrun.json.encode(v, {sort_keys = true})")
            == [#"{"list":[null,1],"reference":null}"#])
    }

    @Test func emptyArraysAndObjectsStayDistinct() throws {
        #expect(try decode(#"{"a":[],"o":{}}"#, "return payrun.json.isarray(v.a), payrun.json.isarray(v.o), payrun.json.encode(v, {sort_keys = true})")
            == [true, false, #"{"a":[],"o":{}}"#])
    }

    @Test func escapesAreDecodedAndUTF8Kept() throws {
        #expect(try decode(#"["a\"b\\c\/d\n\t\u00e9\u20ac\ud83d\ude00", "héllo €"]"#, "return v[1], v[2]")
            == ["a\"b\\c/d\n\té€😀", "héllo €"])
    }

    @Test func malformedJSONNamesTheByteOffsetAndWhatWasExpected() throws {
        func failure(_ json: String) throws -> String {
            try harness.run("local ok, e = pcall(payrun.json.decode, ...); return e", [LuaValue(json)])[0].text ?? ""
        }
        #expect(try failure(#"{"a" 1}"#) == "invalid JSON at byte 5 (line 1, column 6): expected ':' after an object key, found '1'")
        #expect(try failure("[1, 2") == "invalid JSON at byte 5 (line 1, column 6): expected ',' or ']' after an array element, found the end of the document")
        #expect(try failure("{\n  \"a\": tru\n}") == "invalid JSON at byte 9 (line 2, column 8): expected 'true', found 't'")
        #expect(try failure("[01]") == "invalid JSON at byte 2 (line 1, column 3): expected '.', 'e' or the end of the number after a leading 0, found '1'")
        #expect(try failure("[1] x") == "invalid JSON at byte 4 (line 1, column 5): expected the end of the document, found 'x'")
        #expect(try failure(#"["\ud800"]"#).contains("low surrogate"))
        #expect(try failure("\"tab\there\"").contains("control character"))
        #expect(try failure(String(repeating: "[", count: 1001)).contains("at most 1000 levels of nesting"))
        #expect(try failure("").contains("expected a value, found the end of the document"))
        #expect(try failure("[1e400]") == "invalid JSON at byte 1 (line 1, column 2): expected a number within the range of a double, found 1e400")
    }

    @Test func invalidUTF8IsRefused() throws {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xE2, 0x82]] {
            let result = try harness.run("return payrun.json.trydecode(...)", [.string(LuaString(bytes: bytes))])
            #expect(result.first == .nil)
            #expect(result.last?.text?.contains("valid UTF-8") == true || result.last?.text?.contains("close the string") == true,
                    "\(bytes): \(result)")
        }
    }

    @Test func trydecodeReturnsNilAndTheMessageInsteadOfRaising() throws {
        #expect(try harness.run("return payrun.json.trydecode('[1,')") ==
            [.nil, "invalid JSON at byte 3 (line 1, column 4): expected a value, found the end of the document"])
        #expect(try harness.run("return payrun.json.trydecode('[1]')[1]") == [1])
    }

    @Test func aNonStringArgumentIsAnArgumentError() throws {
        #expect(try harness.failure(of: "payrun.json.decode({})") == "test:1: bad argument #1 to 'decode' (string expected, got table)")
    }
}
