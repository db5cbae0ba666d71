// The LuaLS annotations of payrun.json: `payrun annotations` writes them into the
// editor library with the others, and a test keeps scripts/library/payrun.lua equal to them.

extension JSONLibrary {
    static var annotations: LuaAnnotationTable {
        LuaAnnotationTable(prefix: "payrun.json.", registered: functions.map(\.name), entries: [
            .text("""
                ---@class payrun.jsonlib
                ---@field null payrun.json.null The value JSON `null` decodes to, and encodes from.
                payrun.json = {}
                """),
            .text("""
                ---@class payrun.json.null: userdata
                """),
            .function("decode", """
                ---Decodes JSON text. Objects become tables, arrays become tables marked as arrays (so `[]`
                ---stays an array), `null` becomes `payrun.json.null`, integers stay integers up to 64 bits.
                ---A number a float cannot hold as written (an integer past 64 bits, more than 15 significant
                ---digits) becomes a `payrun.decimal` with its digits, never a rounded float.
                ---Raises an error naming the byte offset and what was expected if the text is malformed.
                ---@param text string
                ---@param options? payrun.json.decode.options
                ---@return any
                """),
            .text("""
                ---@class payrun.json.decode.options
                ---@field big_numbers? "decimal"|"error"|"float" A number a float cannot hold: a `payrun.decimal` (the default), an error naming its offset, or the nearest float.
                """),
            .function("trydecode", """
                ---Like `decode`, but returns `nil` and the error message instead of raising.
                ---@param text string
                ---@param options? payrun.json.decode.options
                ---@return any value
                ---@return string? message
                """),
            .function("encode", """
                ---Encodes a value as JSON text. A table is an array if marked with `payrun.json.array` or if
                ---its keys are exactly 1..n, an object if its keys are strings (`{}` is an object). Raises an
                ---error naming the path (`$.payments[3].amount`) for functions, cycles, NaN and infinities.
                ---@param value any
                ---@param options? payrun.json.encode.options
                ---@return string
                """),
            .function("write", """
                ---Writes `value` as `encode` does, then a line break, to a report from `payrun.output` (a JSON
                ---document, or one line of JSON Lines per call); returns the report.
                ---@param report payrun.output
                ---@param value any
                ---@param options? payrun.json.encode.options
                ---@return payrun.output
                """),
            .text("""
                ---@class payrun.json.encode.options
                ---@field indent? integer|boolean Spaces per level (true: 2); omitted writes one line.
                ---@field sort_keys? boolean Writes object keys in byte order, for reproducible output.
                """),
            .function("array", """
                ---Marks `t` (or a new table) as a JSON array, so it encodes as `[...]` even when empty.
                ---@generic T: table
                ---@param t? T
                ---@return T
                """),
            .function("isarray", """
                ---Whether `t` is marked as a JSON array (decoded arrays are).
                ---@param t any
                ---@return boolean
                """),
        ])
    }
}
