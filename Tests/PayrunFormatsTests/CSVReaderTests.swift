// CSVReader and CSVWriter: RFC 4180 as operations files have it, read whole or as it streams.
import PayrunFormats
import Testing

@Suite struct CSVReaderTests {
    func records(_ text: String, separator: UInt8? = nil, chunk: Int? = nil) throws -> [[String]] {
        let bytes = Array(text.utf8)
        var reader: CSVReader
        if let chunk {
            var offset = 0
            reader = CSVReader(separator: separator) {
                guard offset < bytes.count else { return nil }
                defer { offset += chunk }
                return Array(bytes[offset..<min(offset + chunk, bytes.count)])
            }
        } else {
            reader = CSVReader(text: bytes, separator: separator)
        }
        var all: [[String]] = []
        while let (fields, _) = try reader.next() { all.append(fields) }
        return all
    }

    func failure(_ text: String) -> String {
        do {
            _ = try records(text)
            return "(read)"
        } catch {
            return "\(error)"
        }
    }

    @Test func quotedFieldsDoubledQuotesAndLineBreaksInsideQuotes() throws {
        let text = "name,note\r\n\"Doe, Jane\",\"said \"\"hi\"\"\"\r\nplain,\"two\nlines\"\r\n,\r\n"
        let expected = [["name", "note"], ["Doe, Jane", "said \"hi\""], ["plain", "two\nlines"], ["", ""]]
        #expect(try records(text) == expected)
        for chunk in [1, 2, 3, 7] { #expect(try records(text, chunk: chunk) == expected, "in chunks of \(chunk)") }
    }

    @Test func lineEndsByteOrderMarkAndBlankLines() throws {
        #expect(try records("\u{FEFF}a,b\n1,2\r\n\r\n3,4\r5,6") == [["a", "b"], ["1", "2"], ["3", "4"], ["5", "6"]])
        #expect(try records("") == [])
        #expect(try records("\u{FEFF}") == [])
        #expect(try records("a,") == [["a", ""]], "a trailing separator is an empty last field")
    }

    @Test func theSeparatorIsGuessedFromTheFirstLineOrGiven() throws {
        #expect(try records("id;amount\n1;2,50\n") == [["id", "amount"], ["1", "2,50"]])
        #expect(try records("a\tb\n1\t2\n") == [["a", "b"], ["1", "2"]])
        #expect(try records("\"a;b\",c\n") == [["a;b", "c"]], "separators inside quotes do not count")
        #expect(try records("a;b,c\n", separator: UInt8(ascii: ",")) == [["a;b", "c"]])
        #expect(try records("single\n") == [["single"]])
    }

    @Test func errorsNameTheLineAndColumn() {
        #expect(failure("a,b\n1,\"open\n") == "line 2, column 3: a quoted field is never closed")
        #expect(failure("a,b\n1,x\"y\n") == "line 2, column 4: a quote inside an unquoted field (quote the whole field and write the quote twice)")
        #expect(failure("a\n\"x\"y\n") == "line 2, column 4: text after a closing quote (a quote inside a quoted field is written twice: \"\")")
        #expect(failure("a\n\"two\nlines\"\n1,\"x\"z") == "line 4, column 6: text after a closing quote (a quote inside a quoted field is written twice: \"\")")
    }

    @Test func theWriterQuotesOnlyWhatNeedsIt() throws {
        #expect(CSVWriter.line(["plain", "a,b", "say \"hi\"", "two\nlines", " lead", ""]) == "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" lead\",\r\n")
        #expect(CSVWriter.line(["a;b", "c,d"], separator: UInt8(ascii: ";")) == "\"a;b\";c,d\r\n")
        let fields = ["x", "\"", "\r\n", "\u{FEFF}bom", "é"]
        #expect(try records(CSVWriter.line(fields)) == [fields], "what is written reads back")
    }
}
