// `payrun.input(n)`: the contents of a file the user named as the script's nth argument. Scripts
// cannot open files; this reads only what the person running the script pointed it at (a CSV of
// payouts, a list of customers), never a path the script makes up.
import LuaKit

enum InputFunction {
    /// Where the runner keeps the script's arguments as given, out of the script's reach.
    static let argumentsKey = "payrun.arguments"
    static let maximumBytes = 64 << 20

    /// Records `arguments` for `payrun.input`; the runner calls this before the script runs.
    static func setArguments(_ arguments: [String], on stack: LuaStack) {
        stack.pushTable(arrayCapacity: arguments.count)
        for (index, argument) in arguments.enumerated() {
            stack.push(argument)
            stack.setElement(index + 1, in: -2)
        }
        stack.setRegistryValue(argumentsKey)
    }

    /// The path the person running the script gave as argument `position` (from argument 1 of `call`).
    static func argumentPath(_ position: Int, call: LuaCall) throws(LuaArgumentError) -> String {
        let stack = call.stack
        let base = stack.top
        defer { stack.top = base }
        guard stack.pushRegistryValue(argumentsKey) == .table, stack.pushElement(position, of: -1) == .string,
            let path = stack.string(at: -1)
        else {
            throw LuaArgumentError.invalid(at: 1, "no argument \(position) was given to the script (payrun run script.lua FILE ...)")
        }
        return path
    }

    /// `payrun.input(n)`: the bytes of the file named by argument `n`.
    static func input(_ call: LuaCall) throws -> LuaReturn {
        let position = try call.integer(at: 1)
        let stack = call.stack
        let path = try argumentPath(position, call: call)
        let bytes: [UInt8]
        do {
            bytes = try FileContents.read(path, limit: maximumBytes)
        } catch .tooLarge {
            throw LuaError(.runtime, "\(path) is larger than 64 MiB")
        } catch .unreadable(let reason) {
            throw LuaError(.runtime, "cannot read \(path) (argument \(position)): \(reason)")
        }
        bytes.withUnsafeBytes { stack.push(bytes: $0) }
        return 1
    }
}
