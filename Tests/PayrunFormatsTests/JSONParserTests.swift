// The simulators' JSON reader: strict, exact with integers, and clear about where text stops
// being JSON.
import PayrunFormats
import Testing

@Suite struct JSONParserTests {
    @Test func valuesAreReadExactly() throws {
        let value = try JSONValue.parse(Array(#" {"a": [1, -2, 3.5, 1e3, true, false, null], "s": "\u00e9\ud83d\ude00\n\"", "big": 9007199254740993} "#.utf8))
        #expect(value["a"] == .array([.integer(1), .integer(-2), .number(3.5), .number(1000), .bool(true), .bool(false), .null]))
        #expect(value["s"] == .string("é😀\n\""))
        #expect(value["big"] == .integer(9_007_199_254_740_993))
        #expect(try JSONValue.parse(value.encoded()) == value, "what is written reads back")
    }

    @Test func badTextIsRefusedWithItsOffset() {
        let cases: [(String, String, Int)] = [
            ("{\"a\": }", "expected a value", 6),
            ("[1, 2", "expected ',' or ']'", 5),
            ("01", "leading zeros", 0),
            ("\"\\ud800\"", "lone high surrogate", 7),
            ("{\"a\" 1}", "expected ':'", 5),
            ("[1] x", "unexpected text after", 4),
            ("\"tab\there\"", "control character", 4),
            (String(repeating: "[", count: 600), "nested more than 512", 512),
        ]
        for (text, reason, offset) in cases {
            #expect {
                try JSONValue.parse(Array(text.utf8))
            } throws: { error in
                guard let error = error as? JSONParseError else { return false }
                return error.reason.contains(reason) && error.offset == offset
            }
        }
    }
}
