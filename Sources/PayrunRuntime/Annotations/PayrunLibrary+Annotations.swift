// The LuaLS annotations of the `payrun` table itself and payrun.inspect: `payrun annotations` writes them into the
// editor library with the others, and a test keeps scripts/library/payrun.lua equal to them.

extension PayrunLibrary {
    static var annotations: LuaAnnotationTable {
        LuaAnnotationTable(prefix: "payrun.", registered: functions.map(\.name), entries: [
            .text("""
                ---payrun's own library.
                ---@class payrunlib
                ---@field version string payrun's version, e.g. "0.1.0".
                ---@field json payrun.jsonlib JSON decoding and encoding.
                ---@field csv payrun.csvlib CSV read a row at a time and written.
                ---@field decimal payrun.decimallib Exact decimal numbers for money.
                ---@field webhook payrun.webhooklib Checking webhooks providers send.
                ---@field http payrun.httplib Requests to the other services `--allow-host` allows.
                ---@field environment "sandbox"|"test"|"live" Where requests go (`payrun run --env`).
                ---@field dry_run boolean Whether mutations are only described, not sent (`payrun run --dry-run`).
                ---@field stdout payrun.stream Standard output.
                ---@field stderr payrun.stream Standard error.
                payrun = {}
                """),
            .function("inspect", """
                ---Renders any value readably: the sequence first, then other keys sorted; short tables on one
                ---line; tables reached twice labelled (`<1>{...}`, then `<table 1>`), so cycles end.
                ---@param value any
                ---@param options? payrun.inspect.options
                ---@return string
                """),
            .function("input", """
                ---The contents of the file named by the script's argument `n` (`payrun run onboard.lua people.csv`
                ---then `payrun.input(1)`): scripts cannot open files, but may read the ones they were given.
                ---Raises an error naming the file when it cannot be read.
                ---@param n integer
                ---@return string
                """),
            .function("output", """
                ---A writer for the report `name` in the folder given with `payrun run --out DIR`, as in
                ---`payrun.output("matched.csv"):write(payrun.csv.encode(rows))`. The report is written under a
                ---temporary name and renamed to `name` when the script ends successfully; if it fails, it is
                ---kept as `name.partial` and the error says so. Credentials are redacted from what is written.
                ---`name` is a plain file name (no `/`, no `..`). Raises an error without `--out`.
                ---@param name string
                ---@return payrun.output
                """),
            .text("""
                ---A report being written.
                ---@class payrun.output
                local output = {}

                ---Writes strings and numbers, as `io.write` does; returns the report for chaining.
                ---@param ... string|number
                ---@return payrun.output
                function output:write(...) end

                ---The report's name.
                ---@return string
                function output:name() end
                """),
            .function("table", """
                ---Rows as aligned columns under a header, for reading on a terminal: `print(payrun.table(rows))`.
                ---Numbers and decimals are right-aligned (so amounts line up), text left-aligned, unless
                ---`align` says otherwise. Named rows show `columns` (every name they use, sorted, when not
                ---given); rows that are lists show their fields, without a header.
                ---@param rows table[]
                ---@param options? payrun.table.options
                ---@return string
                """),
            .text("""
                ---@class payrun.table.options
                ---@field columns? string[] The columns to show, in order.
                ---@field align? table<string, "left"|"right"> Alignment by column name.
                ---@field header? boolean Whether to show the header lines (default true).
                """),
            .function("uuid", """
                ---A UUID. With no arguments a random one; with parts, the same UUID for the same parts on
                ---any machine (name-based, version 5): the key for one logical operation, so a re-run of
                ---the script sends the same one and the provider recognises the repeat, e.g.
                ---`payrun.uuid("onboard", row.email)` as Tradevest's externalId.
                ---@param ... string|number
                ---@return string
                """),
            .text("""
                ---@class payrun.inspect.options
                ---@field depth? integer Tables deeper than this show as `{...}` (default 12).
                ---@field max_items? integer Entries shown per table before `... (N more)` (default 100).
                ---@field width? integer One-line tables longer than this go one entry a line (default 80).
                ---@field indent? integer Spaces per level (default 2).
                """),
        ])
    }
}
