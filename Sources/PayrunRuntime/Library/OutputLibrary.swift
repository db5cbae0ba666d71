// print, payrun.stdout and payrun.stderr: a script's way to the terminal, through ScriptOutput.
import LuaKit

/// Installs `print`, and `payrun.stdout` and `payrun.stderr` with `io`-style `write` methods,
/// all writing through one ``ScriptOutput`` so their order is kept. Scripts have no `io` library:
/// they cannot open files.
enum OutputLibrary {
    /// Sets `print` and adds the streams to the table on top of the stack (the `payrun` table).
    static func install(in state: LuaState, output: any ScriptOutput, verbose: Bool = false) throws(LuaError) {
        state.setGlobal("print", function: { call in try print(call, output: output) })
        let stack = state.stack
        try stack.reserve(4)
        try pushStream(.standardOutput, named: "stdout", output: output, on: stack)
        stack.setField("stdout", in: -2)
        try pushStream(.standardError, named: "stderr", output: output, on: stack)
        stack.setField("stderr", in: -2)
        stack.push(function: { call in try ProgressBar.progress(call, output: output, verbose: verbose) })
        stack.setField("progress", in: -2)
    }

    /// The methods of a stream writing to `stream`.
    static func streamMethods(_ output: any ScriptOutput, to stream: ScriptStream) -> [LuaRegistration] { [
        LuaRegistration("write") { call in
            try call.check(.table, at: 1)
            return try write(call, to: stream, output: output)
        },
    ] }

    /// A stream object with a `write` method, as `io.stdout` has; it returns itself for chaining.
    private static func pushStream(
        _ stream: ScriptStream, named name: String, output: any ScriptOutput, on stack: LuaStack
    ) throws(LuaError) {
        stack.pushTable(fieldCapacity: 1)              // stack: handle
        stack.pushTable(fieldCapacity: 3)              // stack: handle metatable
        stack.push("payrun.\(name)")
        stack.setField("__name", in: -2)
        stack.push(false)
        stack.setField("__metatable", in: -2)
        stack.push(library: streamMethods(output, to: stream))  // stack: handle metatable methods
        stack.setField("__index", in: -2)              // stack: handle metatable
        stack.setMetatable(of: -2)                     // stack: handle
    }

    /// `print(...)`: each argument through `tostring`, tab-separated, then a newline.
    private static func print(_ call: LuaCall, output: any ScriptOutput) throws -> LuaReturn {
        var line: [UInt8] = []
        for position in 1...max(call.argumentCount, 1) where position <= call.argumentCount {
            if position > 1 { line.append(UInt8(ascii: "\t")) }
            try call.stack.pushConvertedToString(at: call.index(of: position))
            line.append(contentsOf: call.stack.bytes(at: -1)!)
            call.stack.pop()
        }
        line.append(UInt8(ascii: "\n"))
        line.withUnsafeBytes { output.write($0, to: .standardOutput) }
        return .none
    }

    /// The bytes `io.write` would write for arguments 2 onwards: strings as they are, numbers as
    /// Lua prints them; anything else is an argument error. (A report's `write` takes the same.)
    static func writtenBytes(_ call: LuaCall) throws(LuaArgumentError) -> [UInt8] {
        var text: [UInt8] = []
        for position in 2...max(call.argumentCount, 2) where position <= call.argumentCount {
            if call.type(at: position) == .number {
                // Copy first: converting in place would change the caller's value.
                call.stack.pushCopy(of: call.index(of: position))
                text.append(contentsOf: call.stack.bytes(at: -1)!)
                call.stack.pop()
            } else {
                text.append(contentsOf: try call.withBytes(at: position) { Array($0) })
            }
        }
        return text
    }

    /// `stream:write(...)`: strings and numbers, written as they are, as `io.write` does; returns
    /// the stream for chaining.
    private static func write(_ call: LuaCall, to stream: ScriptStream, output: any ScriptOutput) throws -> LuaReturn {
        try writtenBytes(call).withUnsafeBytes { output.write($0, to: stream) }
        call.stack.pushCopy(of: call.index(of: 1))
        return 1
    }
}
