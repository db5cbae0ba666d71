// payrun.csv from Lua: rows from text and from an argument's file, errors in Lua's words, and
// CSV written back.
import Foundation
import LuaKit
import PayrunRuntime
import PayrunTestSupport
import Testing

@Suite struct CSVLibraryTests {
    let harness: ScriptHarness

    init() throws {
        harness = try ScriptHarness()
    }

    /// Runs `code` as `payrun run` would with `files` as its arguments; the standard output.
    func run(_ code: String, files: [String]) throws -> (PayrunExitStatus, String, String) {
        let folder = URL(fileURLWithPath: TestFiles.path("payrun-csv"))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var paths: [String] = []
        for (index, text) in files.enumerated() {
            let path = folder.appendingPathComponent("file\(index + 1).csv").path
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        let output = CapturedOutput()
        let status = ScriptRunner(output: output).run(ScriptInvocation(chunks: [code], scriptPath: nil, arguments: paths))
        return (status, output.standardOutput, output.standardError)
    }

    @Test func rowsAreTablesKeyedByTheHeaderWithTheirLine() throws {
        let results = try harness.run("""
            local out = {}
            for row, line in payrun.csv.rows("name,amount\\r\\n\\"Doe, Jane\\",12.50\\r\\n\\r\\nBob,3\\r\\n") do
              out[#out + 1] = line .. ":" .. row.name .. "=" .. row.amount
            end
            for row in payrun.csv.rows("1;2\\n3;4", { header = false }) do out[#out + 1] = row[1] + row[2] end
            for row in payrun.csv.rows("x,y\\n", { header = { "first", "second" } }) do out[#out + 1] = row.second end
            return table.concat(out, " ")
            """)
        #expect(results == ["2:Doe, Jane=12.50 4:Bob=3 3 7 y"])
    }

    @Test func aFileNamedByAnArgumentIsStreamed() throws {
        var text = "id,amount\n"
        for index in 1...20_000 { text += "\(index),\(index % 100).\(index % 10)5\n" }
        let (status, output, error) = try run("""
            local n, total = 0, payrun.decimal.new(0)
            for row in payrun.csv.file(1) do n, total = n + 1, total + row.amount end
            print(n, total)
            """, files: [text])
        #expect(status == .success, "\(error)")
        #expect(output == "20000\t1000000.00\n")  // Python: sum(Decimal(f"{i%100}.{i%10}5") for i in range(1, 20001))
    }

    @Test func badInputSaysWhereAndWhatToFix() throws {
        #expect(try harness.failure(of: "for r in payrun.csv.rows('a,b\\n1,\"open\\n') do end")
            == "csv text: line 2, column 3: a quoted field is never closed")
        #expect(try harness.failure(of: "for r in payrun.csv.rows('a,b\\n1,2,3\\n') do end") == "csv text: line 2: 3 fields where the header has 2")
        #expect(try harness.failure(of: "for r in payrun.csv.rows('a,a\\n1,2\\n') do end")
            == "csv text: line 1: the column name 'a' appears twice in the header")
        #expect(try harness.failure(of: "payrun.csv.rows('x', { separator = ';;' })")
            == #"test:1: bad argument #2 to 'rows' (field 'separator' must be one character such as ",", ";" or "\t")"#)
        #expect(try harness.failure(of: "payrun.csv.rows(nil)") == "test:1: bad argument #1 to 'rows' (string expected, got nil)")
        // Called with no name at the call (through pcall), a library function is named as Lua
        // names `string.rep`, by where it is found.
        #expect(try harness.run("return select(2, pcall(payrun.csv.rows, nil))").first?.text == "bad argument #1 to 'payrun.csv.rows' (string expected, got nil)")
        #expect(try harness.run("return select(2, pcall(payrun.sleep, -1))").first?.text?.hasPrefix("bad argument #1 to 'payrun.sleep'") == true)
        #expect(try harness.failure(of: "payrun.csv.file(3)")
            == "test:1: bad argument #1 to 'file' (no argument 3 was given to the script (payrun run script.lua FILE ...))")
        let (status, _, error) = try run("for row in payrun.csv.file(1) do end", files: ["a,b\n1,2\n3,\"x\n"])
        #expect(status != .success && error.contains("file1.csv: line 3, column 3: a quoted field is never closed"), "\(error)")
    }

    @Test func encodeWritesHeaderAndOnlyTheQuotesNeeded() throws {
        let results = try harness.run("""
            local named = payrun.csv.encode({ { name = "x, y", amount = payrun.decimal.new("1.50"), note = payrun.json.null },
                                              { name = " lead", amount = 3, ok = true } })
            local listed = payrun.csv.encode({ { "a", 'b"c' }, { 1, 2.5 } }, { separator = ";" })
            -- `columns` picks: c is left out, as documented.
            local ordered = payrun.csv.encode({ { b = 2, a = 1, c = 3 } }, { columns = { "b", "a" }, header = false })
            return named, listed, ordered
            """)
        #expect(results == [
            "amount,name,note,ok\r\n1.50,\"x, y\",,\r\n3,\" lead\",,true\r\n", "a;\"b\"\"c\"\r\n1;2.5\r\n", "2,1\r\n",
        ])
        #expect(try harness.failure(of: "payrun.csv.encode({ { a = {} } })")
            == "test:1: bad argument #1 to 'encode' (row 1, column 'a': a table has no CSV form)")
    }

    /// A row of the other form was written as an empty line, or a line of empty fields.
    @Test func rowsOfTwoFormsAreAnErrorNotAnEmptyLine() throws {
        #expect(try harness.failure(of: "payrun.csv.encode({ { 1, 2 }, { a = 1 } })")
            == "test:1: bad argument #1 to 'encode' (row 2 is keyed by name, where rows are lists: give every row one form (or `columns` to name them))")
        #expect(try harness.failure(of: "payrun.csv.encode({ { a = 1 }, { 1, 2 } })")
            == "test:1: bad argument #1 to 'encode' (row 2 is a list, where rows are keyed by column name: give every row one form)")
        #expect(try harness.failure(of: "payrun.csv.encode({ { 1, 2 } }, { columns = { 'a' } })")
            == "test:1: bad argument #1 to 'encode' (row 1 is a list, where rows are keyed by column name: give every row one form)")
        // A list whose first field is nil is still a list.
        #expect(try harness.run(#"return payrun.csv.encode({ { nil, "x" }, { 1, 2 } })"#) == [",x\r\n1,2\r\n"])
        // A row with none of the columns, or an empty one, is still a row of empty fields.
        #expect(try harness.run("return payrun.csv.encode({ { a = 1 }, { b = 2 }, {} }, { columns = { 'a' } })") == ["a\r\n1\r\n\r\n\r\n"])
    }

    @Test func whatEncodeWritesRowsReadsBack() throws {
        let results = try harness.run("""
            local rows = { { id = "1", memo = 'say "hi", then\\nleave' }, { id = "2", memo = "" } }
            local back = {}
            for row in payrun.csv.rows(payrun.csv.encode(rows)) do back[#back + 1] = row.id .. "|" .. row.memo end
            return table.concat(back, "/")
            """)
        #expect(results == ["1|say \"hi\", then\nleave/2|"])
    }
}
