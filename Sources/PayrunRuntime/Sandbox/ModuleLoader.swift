// `require` in the sandbox: payrun's built-in modules, and pure Lua text files found next to the
// script or in --lib folders. Nothing else: no C modules, no paths from the environment.
import Glibc
import LuaKit

/// Finds and loads modules for `require`.
struct ModuleLoader: Sendable {
    /// Folders searched in order: the script's own, then each --lib path.
    let roots: [String]

    /// Registry name of the table of loaded modules, which the sandbox prelude fills with the
    /// built-in ones (payrun, payrun.json, and the standard libraries, locked).
    static let loadedKey = "payrun.loaded"

    /// Installs `require`.
    func install(in state: LuaState) throws(LuaError) {
        let loader = self
        state.setGlobal("require", function: { call in try loader.require(call) })
    }

    /// `require(name)`: the module's value, and where it came from.
    private func require(_ call: LuaCall) throws -> LuaReturn {
        let name = try call.string(at: 1)
        let stack = call.stack
        stack.pushRegistryValue(Self.loadedKey)  // stack: ... loaded
        let loadedIndex = stack.top
        switch stack.pushField(name, of: loadedIndex) {
        case .nil: stack.pop()
        case .lightUserdata: throw SandboxError(message: "module '\(name)' requires itself, directly or through other modules")
        default: return 1
        }
        guard Self.isValid(name) else {
            throw LuaArgumentError.invalid(at: 1, "module names are words separated by dots, like 'lib.csv'")
        }
        let (path, source) = try find(name)
        let main = try stack.owner.load(source.bytes, chunkName: source.chunkName)
        // Marks the module as loading, so a require cycle is an error rather than a stack overflow.
        stack.push(lightUserdata: nil)
        stack.setField(name, in: loadedIndex)
        do {
            try stack.push(.function(main))
            stack.push(name)
            stack.push(path)
            try stack.protectedCall(argumentCount: 2, resultCount: 1)  // stack: ... loaded result
        } catch {
            stack.pushNil()
            stack.setField(name, in: loadedIndex)
            throw error
        }
        if stack.type(at: -1) == .nil {
            stack.pop()
            stack.push(true)
        }
        stack.pushCopy(of: -1)
        stack.setField(name, in: loadedIndex)
        stack.push(path)
        return 2
    }

    /// Letters, digits, `_` and `-`, in parts separated by dots: nothing that climbs out of a root.
    static func isValid(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.allSatisfy { part in
            !part.isEmpty && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
        }
    }

    /// The first candidate file that exists inside its root, read.
    private func find(_ name: String) throws -> (String, ScriptSource) {
        let relative = name.split(separator: ".").joined(separator: "/")
        var tried: [String] = []
        for root in roots {
            for candidate in ["\(root)/\(relative).lua", "\(root)/\(relative)/init.lua"] {
                tried.append(candidate)
                guard access(candidate, R_OK) == 0, Self.isInside(candidate, root: root) else { continue }
                return (candidate, try ScriptSource.read(candidate))
            }
        }
        throw SandboxError(message: "module '\(name)' not found:\n"
            + tried.map { "\tno file '\($0)'\n" }.joined()
            + "\t(payrun looks next to the script and in --lib folders; built in: payrun, payrun.json)")
    }

    /// Whether `path`, with links resolved, stays inside `root`: a link may not lead a module out.
    static func isInside(_ path: String, root: String) -> Bool {
        guard let resolvedPath = realpath(path, nil), let resolvedRoot = realpath(root, nil) else { return false }
        defer {
            free(resolvedPath)
            free(resolvedRoot)
        }
        let file = String(cString: resolvedPath)
        let folder = String(cString: resolvedRoot)
        return file.hasPrefix(folder == "/" ? "/" : folder + "/")
    }
}
