// The LuaLS annotations of payrun.parallel and payrun.sleep: `payrun annotations` writes them into the
// editor library with the others, and a test keeps scripts/library/payrun.lua equal to them.

extension ParallelLibrary {
    static var annotations: LuaAnnotationTable {
        LuaAnnotationTable(prefix: "payrun.", registered: functions(session: .placeholder, output: CapturedOutput()).map(\.name), entries: [
            .function("parallel", """
                ---Calls `fn(item)` for every item of `items`, up to `concurrency` (default 16) at a time, and
                ---returns each call's first result, in the items' order (`p:get`'s result, not the response
                ---after it). Provider requests inside `fn` overlap (each call is a coroutine that waits for its
                ---response while the others run); Lua code itself runs one call at a time, so nothing races. The
                ---first error is raised at once; requests other calls have under way are abandoned, unread.
                ---With `progress = true` (or a label), a `payrun.progress` line counts the finished calls.
                ---@generic T, R
                ---@param items T[]
                ---@param fn fun(item: T): R
                ---@param options? { concurrency: integer, progress: boolean|string }
                ---@return R[]
                """),
            .function("sleep", """
                ---Waits `seconds` (up to an hour); the time limit and Ctrl-C still end the script meanwhile.
                ---Inside `payrun.parallel` only the calling coroutine waits: the others go on.
                ---@param seconds number
                """),
        ])
    }
}
