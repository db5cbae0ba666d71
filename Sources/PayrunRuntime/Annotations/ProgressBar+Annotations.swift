// The LuaLS annotations of payrun.progress: `payrun annotations` writes them into the editor
// library with the others, and a test keeps scripts/library/payrun.lua equal to them.

extension ProgressBar {
    static var annotations: LuaAnnotationTable {
        LuaAnnotationTable(prefix: "payrun.", registered: ["progress"], entries: [
            .function("progress", """
                ---How far a long loop is: `local p = payrun.progress(#rows, "payouts")`, `p:add()` per row,
                ---`p:done()` at the end. On a terminal, one line on standard error (count, percent, rate,
                ---time left) redrawn at most ten times a second and cleared by `done`; off a terminal
                ---nothing, or with `--verbose` one line when done.
                ---@param total number How many steps make the whole (0 or more).
                ---@param label? string What is counted (default "progress").
                ---@return payrun.progress
                """),
            .text("""
                ---@class payrun.progress
                local progress = {}

                ---Counts `n` more steps (default 1); returns the bar.
                ---@param n? number
                ---@return payrun.progress
                function progress:add(n) end

                ---Ends the bar: its line is cleared (or, off a terminal with `--verbose`, printed once).
                function progress:done() end
                """),
        ])
    }
}
