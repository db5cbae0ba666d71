// The LuaLS annotations of payrun.stdout and payrun.stderr: `payrun annotations` writes them into the
// editor library with the others, and a test keeps scripts/library/payrun.lua equal to them.

extension OutputLibrary {
    static var annotations: LuaAnnotationTable {
        LuaAnnotationTable(prefix: "stream:", registered: streamMethods(CapturedOutput(), to: .standardOutput).map(\.name), entries: [
            .text("""
                ---An output stream, like `io.stdout`: payrun scripts have no `io` library and cannot open files.
                ---@class payrun.stream
                local stream = {}
                """),
            .function("write", """
                ---Writes strings and numbers to the stream, as they are; returns the stream, for chaining.
                ---Everything written reaches the terminal in the order the script wrote it, `print` included.
                ---@param ... string|number
                ---@return payrun.stream
                """),
        ])
    }
}
