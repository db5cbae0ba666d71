// `payrun.input(n)`: the contents of a file the user named as the script's nth argument. Scripts
// cannot open files; this reads only what the person running the script pointed it at (a CSV of
// payouts, a list of customers), never a path the script makes up.
import Glibc
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

    /// Where what was read from a pipe is kept, by argument: it can be read only once.
    static let pipedKey = "payrun.input.piped"

    /// `payrun.input(n)`: the bytes of the file named by argument `n`. A pipe's (`/dev/stdin`,
    /// `<(…)`) are kept for the run, so a second call gets them again rather than `""`; a
    /// file's are read afresh, so one the script let go of is not kept alive.
    static func input(_ call: LuaCall) throws -> LuaReturn {
        let position = try call.integer(at: 1)
        let stack = call.stack
        let path = try argumentPath(position, call: call)
        var status = stat()
        let piped = stat(path, &status) == 0 && status.st_mode & S_IFMT != S_IFREG
        if piped {
            if stack.pushRegistryValue(pipedKey) == .table {
                if stack.pushElement(position, of: -1) == .string {
                    stack.remove(at: -2)
                    return 1
                }
                stack.pop()
            }
            stack.pop()
        }
        let bytes: [UInt8]
        do {
            bytes = try FileContents.read(path, limit: maximumBytes)
        } catch .tooLarge {
            throw LuaError(.runtime, "\(path) is larger than 64 MiB")
        } catch .unreadable(let reason) {
            throw LuaError(.runtime, "cannot read \(path) (argument \(position)): \(reason)")
        }
        bytes.withUnsafeBytes { stack.push(bytes: $0) }
        if piped {
            if stack.pushRegistryValue(pipedKey) != .table {
                stack.pop()
                stack.pushTable()
                stack.pushCopy(of: -1)
                stack.setRegistryValue(pipedKey)
            }
            stack.pushCopy(of: -2)
            stack.setElement(position, in: -2)
            stack.pop()
        }
        return 1
    }
}
