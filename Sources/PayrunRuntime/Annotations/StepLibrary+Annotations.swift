// The LuaLS annotations of payrun.step: `payrun annotations` writes them into the editor library
// with the others, and a test keeps scripts/library/payrun.lua equal to them.

extension StepLibrary {
    static var annotations: LuaAnnotationTable {
        LuaAnnotationTable(prefix: "payrun.", registered: ["step"], entries: [
            .function("step", """
                ---Runs `fn` once per run and returns what it returns. The results (nil, booleans, numbers,
                ---strings, decimals and tables of those) are journaled: a resumed run gets them back without
                ---calling `fn` again. `name` is the step's key in the run (`"payout:" .. row.reference`); the
                ---same name twice in one run is an error naming both lines. The mutations `fn` makes are
                ---journaled under the step. If an earlier attempt began the step and never finished it,
                ---`options.lookup` is called first: what it returns (not nil) is the step's result, and `fn`
                ---does not run; nil means it did not happen, and `fn` runs, its requests in doubt sent again.
                ---Without a state store (`--dry-run`, an engine with none), it simply calls `fn`.
                ---@generic R
                ---@param name string
                ---@param fn fun(): R
                ---@param options? { lookup: fun(): R? }
                ---@return R
                """),
        ])
    }
}
