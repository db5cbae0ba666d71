// The host's libraries in a script's state: a table of values and functions per library, each
// function converting its arguments to JSON, waiting for the host's closure the way a provider
// request waits, and pushing its result back.
import LuaKit
import PayrunFormats

enum HostLibraries {
    /// Globals payrun sets or removes after the host's libraries are installed.
    static let reserved: Set<String> = ["_ENV", "_G", "arg", "debug", "io", "package", "require"]

    /// Sets each library as a global; the sandbox then locks it.
    /// - Throws: ``LuaError`` for a name that is not a Lua name or is already a global.
    static func install(_ libraries: [HostLibrary], in state: LuaState) throws(LuaError) {
        let stack = state.stack
        for library in libraries {
            guard ReplCompleter.isName(library.name), !ReplCompleter.keywords.contains(library.name) else {
                throw LuaError(.runtime, "a host library's name must be a Lua name, not '\(library.name)'")
            }
            guard !reserved.contains(library.name) else {
                throw LuaError(.runtime, "a host library cannot be called '\(library.name)': payrun uses that global")
            }
            guard stack.pushGlobal(library.name) == .nil else {
                stack.pop()
                throw LuaError(.runtime, "a host library cannot be called '\(library.name)': scripts already have a global of that name")
            }
            stack.pop()
            try stack.reserve(4)
            stack.pushTable(fieldCapacity: library.values.count + library.functions.count)
            for (name, value) in library.values {
                try JSONLibrary.push(value, on: stack)
                stack.setField(name, in: -2)
            }
            for (name, body) in library.functions {
                stack.push(function: { call in try Self.call(body, call) })
                stack.setField(name, in: -2)
            }
            stack.setGlobal(library.name)
        }
    }

    /// One call of a host function from Lua.
    private static func call(_ body: @escaping HostLibrary.Function, _ call: LuaCall) throws -> LuaReturn {
        var arguments: [JSONValue] = []
        for position in 1...max(call.argumentCount, 1) where position <= call.argumentCount {
            do {
                arguments.append(try JSONValue.parse(JSONLibrary.encode(at: call.index(of: position), on: call.stack)))
            } catch let error as JSONEncodingError {
                throw LuaArgumentError.invalid(at: position, "\(error.problem) (host functions take JSON values)")
            }
        }
        let result: JSONValue
        let given = arguments
        do {
            result = try BlockingWait.run(stoppable: call.stack) { try await body(given) }
        } catch let error as HostArgumentError {
            throw LuaArgumentError.invalid(at: error.position, error.message)
        }
        if result == .null { return 0 }
        try JSONLibrary.push(result, on: call.stack)
        return 1
    }
}
