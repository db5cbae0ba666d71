// What a script's main chunk returns, handed to the host as JSON: the same rules as
// `payrun.json.encode` (json.null, arrays, decimals with their digits), read where the values lie.
import LuaKit
import PayrunFormats

enum ReturnedValues {
    /// Calls `main` with `arguments` and returns its results as JSON, or why they cannot be.
    /// - Throws: what the script raised.
    static func call(_ main: LuaReference, arguments: [String], in state: LuaState) throws(LuaError) -> ([JSONValue], String?) {
        let stack = state.stack
        let base = stack.top
        defer { stack.top = base }
        try stack.reserve(arguments.count + 1)
        try stack.push(.function(main))
        for argument in arguments { stack.push(argument) }
        let count = try stack.protectedCall(argumentCount: Int32(arguments.count))
        var values: [JSONValue] = []
        for offset in 0..<count {
            do {
                values.append(try JSONValue.parse(JSONLibrary.encode(at: base + 1 + offset, on: stack)))
            } catch let error as JSONEncodingError {
                return ([], "result \(offset + 1) cannot be JSON: \(error.problem)" + (error.path == "the value" ? "" : " (at \(error.path))"))
            } catch {
                return ([], "result \(offset + 1) cannot be JSON: \(error)")
            }
        }
        return (values, nil)
    }
}
