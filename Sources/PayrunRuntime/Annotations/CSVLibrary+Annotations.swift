// The LuaLS annotations of payrun.csv: `payrun annotations` writes them into the editor library
// with the others, and a test keeps scripts/library/payrun.lua equal to them.

extension CSVLibrary {
    static var annotations: LuaAnnotationTable {
        LuaAnnotationTable(prefix: "payrun.csv.", registered: functions.map(\.name), entries: [
            .text("""
                ---@class payrun.csvlib
                payrun.csv = {}
                """),
            .function("rows", """
                ---The rows of CSV `text`, one a loop step, with the line each starts on:
                ---`for row, line in payrun.csv.rows(text) do print(line, row.amount) end`. RFC 4180: quoted
                ---fields, `""` for a quote, line breaks inside quotes, CRLF or LF, a UTF-8 byte order mark.
                ---With a header row (the default) a row is a table keyed by the header's names; with
                ---`header = false` a list of fields. Fields are strings. Raises an error naming the line and
                ---column of a quote left open or a stray quote, and the line of a row whose field count
                ---differs from the header's.
                ---@param text string
                ---@param options? payrun.csv.options
                ---@return fun(): table?, integer?
                """),
            .function("file", """
                ---Like `rows`, over the file named by the script's argument `n` (`payrun run payouts.lua
                ---payouts.csv` then `payrun.csv.file(1)`), read a chunk at a time: a file of any size reads
                ---in constant memory. Errors name the file.
                ---@param n integer
                ---@param options? payrun.csv.options
                ---@return fun(): table?, integer?
                """),
            .text("""
                ---@class payrun.csv.options
                ---@field separator? string `","`, `";"`, `"\\t"` or another single character; guessed from the first line when not given.
                ---@field header? boolean|string[] `true` (default): the first row names the fields; `false`: rows are lists; a list of names: the file has no header row, these name its fields.
                """),
            .function("encode", """
                ---CSV text for `rows`, each line ending in CRLF, a field quoted only when it must be (it holds
                ---the separator, a quote or a line break, or starts or ends with a space). Rows that are lists
                ---are written as they are; rows keyed by name are written in `columns`' order (every name
                ---the rows use, sorted, when not given) under a header line. Strings, numbers, booleans and
                ---`payrun.decimal`s are written as text; nil and `payrun.json.null` as an empty field.
                ---@param rows table[]
                ---@param options? payrun.csv.encode.options
                ---@return string
                """),
            .function("writer", """
                ---A writer appending rows to a report from `payrun.output` as they come (the header line first
                ---when `columns` are given), so a large report never sits in memory as one string:
                ---`local w = payrun.csv.writer(payrun.output("missing.csv"), { columns = { "id", "amount" } })`
                ---then `w:write(row)` for each row. Fields are written as `encode` writes them.
                ---@param output payrun.output
                ---@param options? payrun.csv.encode.options
                ---@return payrun.csv.writer
                """),
            .text("""
                ---@class payrun.csv.writer
                local csvwriter = {}

                ---Appends one row: a table keyed by the writer's columns, or a list of fields.
                ---@param row table
                ---@return payrun.csv.writer
                function csvwriter:write(row) end
                """),
            .text("""
                ---@class payrun.csv.encode.options
                ---@field columns? string[] The names to write, in order; a row's other fields are left out.
                ---@field separator? string The separator (default `","`).
                ---@field header? boolean Whether to write the header line for named rows (default true).
                """),
        ])
    }
}
