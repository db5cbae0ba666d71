// payrun's JSON reader (the tape, and JSONValue.parse on it): strict, exact with integers, clear
// about where text stops being JSON, and navigable without building values.
import PayrunFormats
import Testing

@Suite struct JSONTapeTests {
    @Test func valuesAreReadExactly() throws {
        let value = try JSONValue.parse(Array(#" {"a": [1, -2, 3.5, 1e3, true, false, null], "s": "\u00e9\ud83d\ude00\n\"", "big": 9007199254740993} "#.utf8))
        #expect(value["a"] == .array([.integer(1), .integer(-2), .number(3.5), .number(1000), .bool(true), .bool(false), .null]))
        #expect(value["s"] == .string("é😀\n\""))
        #expect(value["big"] == .integer(9_007_199_254_740_993))
        #expect(try JSONValue.parse(value.encoded()) == value, "what is written reads back")
    }

    @Test func everyByteThatEndsOrChangesAStringIsSeenWhereverItFalls() throws {
        // Strings are scanned eight bytes at a time: a quote, an escape, a control byte or UTF-8
        // at any position of a word, or of the bytes after the last whole word, is read as it is.
        let specials: [(text: String, value: String?)] = [
            ("\\\"", "\""), ("\\\\", "\\"), ("\\n", "\n"), ("\\u0041", "A"), ("é", "é"), ("😀", "😀"),
            ("\u{7F}", "\u{7F}"), ("\u{1F}", nil), ("\t", nil),
        ]
        for length in 0...20 {
            for at in 0...length {
                for special in specials {
                    let before = String(repeating: "a", count: at)
                    let after = String((0..<(length - at)).map { Character(UnicodeScalar(UInt8(0x30 + $0 % 10))) })
                    let text = "[\"" + before + special.text + after + "\", 1]"
                    if let value = special.value {
                        let parsed = try JSONValue.parse(Array(text.utf8))
                        #expect(parsed == .array([.string(before + value + after), .integer(1)]), "\(text)")
                    } else {
                        #expect(throws: JSONParseError.self, "\(text)") { try JSONValue.parse(Array(text.utf8)) }
                    }
                }
            }
        }
        // A string that runs to the end of the document, unterminated, at every length.
        for length in 0...20 {
            #expect(throws: JSONParseError.self) { try JSONValue.parse(Array(("\"" + String(repeating: "x", count: length)).utf8)) }
        }
    }

    @Test func badTextIsRefusedWithItsOffset() {
        // The one parser's words, the same `payrun.json.decode` uses; a leading zero is reported at
        // the digit after it.
        let cases: [(String, String, Int)] = [
            ("{\"a\": }", "expected a value", 6),
            ("[1, 2", "expected ',' or ']'", 5),
            ("01", "after a leading 0", 1),
            ("\"\\ud800\"", "expected a low surrogate", 7),
            ("{\"a\" 1}", "expected ':'", 5),
            ("[1] x", "expected the end of the document", 4),
            ("\"tab\there\"", "control character", 4),
            (String(repeating: "[", count: 600), "at most 512 levels of nesting", 512),
            ("[1e400]", "expected a number within the range of a double", 1),
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

    @Test func errorsSayByteLineAndColumnAsJSONDecodeDoes() {
        #expect {
            try JSONValue.parse(Array("{\n  \"a\" 1}".utf8))
        } throws: { error in
            "\(error)" == "invalid JSON at byte 8 (line 2, column 7): expected ':' after an object key, found '1'"
        }
    }

    @Test func nodesNavigateWithoutBuildingValues() throws {
        let tape = try JSONTape.parse(Array(#"{"data": [{"id": "a\"b", "n": 1}, {"id": "c", "n": -9223372036854775808}], "total_size": 2, "data": [7]}"#.utf8))
        #expect(tape.root.kind == .object)
        #expect(tape.root.count == 3, "members, repeats included")
        #expect(tape.root["data"]?.value == .array([.integer(7)]), "a repeated name keeps its last value")
        #expect(tape.root["total_size"]?.integer == 2)
        #expect(tape.root["missing"] == nil)
        #expect(tape.root["total_size"]?["x"] == nil, "only objects have members")
        let other = try JSONTape.parse(Array(#"[{"id": "a\"b"}, {"id": "c"}, 18446744073709551616, -0, 1.5e2]"#.utf8))
        let elements = other.root.elements
        #expect(elements.count == 5)
        #expect(elements[0]["id"]?.string == "a\"b", "escaped strings are unescaped")
        #expect(elements[1]["id"]?.string == "c")
        #expect(elements[2].value == .exactNumber("18446744073709551616"), "past 64 bits an integer keeps its digits")
        #expect(elements[3].value == .integer(0))
        #expect(elements[4].value == .number(150))
        #expect(elements[1].elements.isEmpty, "an object has no elements")
    }

    @Test func numbersADoubleCannotHoldKeepTheirDigits() throws {
        let text = #"{"amount": 12345678901234567.89, "float": 0.30000000000000004, "id": 123456789012345678901234567890, "small": 0.1}"#
        let value = try JSONValue.parse(Array(text.utf8))
        #expect(value["amount"] == .exactNumber("12345678901234567.89"))
        #expect(value["id"] == .exactNumber("123456789012345678901234567890"))
        #expect(value["float"] == .number(0.30000000000000004), "a float written with all its digits is that float")
        #expect(value["small"] == .number(0.1))
        // Written back digit for digit, and read back the same.
        let written = String(decoding: value.encoded(), as: UTF8.self)
        #expect(written.contains(#""amount":12345678901234567.89"#) && written.contains(#""id":123456789012345678901234567890"#))
        #expect(try JSONValue.parse(value.encoded()) == value)
        // Found moving the digits comparison under Fuzz/json: an exponent of Int.min overflowed.
        #expect(try JSONValue.parse(Array("0.1234567890123456e-9223372036854775808".utf8)) == .exactNumber("0.1234567890123456e-9223372036854775808"))
    }
}
