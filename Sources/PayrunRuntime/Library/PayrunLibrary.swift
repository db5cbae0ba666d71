// The `payrun` global: the modules payrun gives every script.
import LuaKit

/// Installs the `payrun` table — `payrun.json`, `payrun.csv`, `payrun.decimal`, `payrun.inspect`, `payrun.stdout`,
/// `payrun.stderr`, `payrun.version` — and `print`. ``ScriptRunner`` does this for every script;
/// a host with a state of its own (no sandbox) can do it too.
public enum PayrunLibrary {
    /// - Parameter verbose: whether `payrun.progress` says, off a terminal, how a loop ended.
    public static func install(in state: LuaState, output: any ScriptOutput, verbose: Bool = false) throws(LuaError) {
        let stack = state.stack
        try stack.reserve(3)
        stack.push(library: functions)      // stack: payrun
        try JSONLibrary.push(onto: stack)   // stack: payrun json
        stack.setField("json", in: -2)
        try CSVLibrary.push(onto: stack)    // stack: payrun csv
        stack.setField("csv", in: -2)
        try DecimalLibrary.push(onto: stack)  // stack: payrun decimal
        stack.setField("decimal", in: -2)
        stack.push(PayrunVersion.current)
        stack.setField("version", in: -2)
        try OutputLibrary.install(in: state, output: output, verbose: verbose)
        stack.setGlobal("payrun")
    }

    /// `payrun.inspect(value [, options])`: a readable rendering of any value. Options: `depth`,
    /// `max_items`, `width`, `indent`.
    static func inspect(_ call: LuaCall) throws -> LuaReturn {
        try call.checkAny(at: 1)
        // `payrun.inspect(p:get(path))` passes the response `get` also returns as the options.
        if call.stack.type(at: call.index(of: 2)) == .table {
            let isResponse = call.stack.pushField("headers", of: call.index(of: 2)) == .table
            call.stack.pop()
            if isResponse {
                throw LuaArgumentError.invalid(
                    at: 2, "a response, not options: a request returns its result and its response; inspect the result alone with "
                        + "payrun.inspect((p:get(...))), or both with payrun.inspect({p:get(...)})")
            }
        }
        try call.checkFieldNames(of: 2, among: ["depth", "max_items", "width", "indent"])
        var options = InspectOptions()
        options.depth = try call.integerField("depth", of: 2, in: 0...1000) ?? options.depth
        options.maxItems = try call.integerField("max_items", of: 2, in: 1...1_000_000) ?? options.maxItems
        options.width = try call.integerField("width", of: 2, in: 0...10_000) ?? options.width
        options.indent = try call.integerField("indent", of: 2, in: 0...16) ?? options.indent
        var inspector = Inspector(stack: call.stack, options: options)
        call.stack.push(inspector.render(at: call.index(of: 1)))
        return 1
    }

    /// `payrun.uuid([part, ...])`: a random UUID, or with parts the same UUID for the same parts.
    static func uuid(_ call: LuaCall) throws -> LuaReturn {
        guard call.argumentCount > 0 else {
            call.stack.push(OperationKey.random())
            return 1
        }
        var parts: [String] = []
        for position in 1...Int(call.argumentCount) {
            switch call.type(at: position) {
            case .string: parts.append(try call.string(at: position))
            case .number:
                let index = call.index(of: position)
                parts.append(call.stack.integer(at: index).map(String.init) ?? String(call.stack.number(at: index)!))
            default:
                throw LuaArgumentError.type(at: position, expected: "string or number")
            }
        }
        call.stack.push(OperationKey.named(parts))
        return 1
    }

    /// `payrun.output(name)`: a writer for the report `name` in the run's `--out` folder.
    static func output(_ call: LuaCall) throws -> LuaReturn {
        let name = try call.string(at: 1)
        let stack = call.stack
        guard stack.pushRegistryValue(ReportFolder.registryKey) == .userdata,
            let folder = stack.object(at: -1, as: ReportFolder.self)
        else {
            throw LuaError(.runtime, "payrun.output needs a folder for reports: run the script with --out DIR")
        }
        stack.pop()
        do {
            stack.push(object: try folder.file(named: name))
        } catch .badName {
            throw LuaArgumentError.invalid(at: 1, ReportFolderError.badName(name).description)
        } catch {
            throw LuaError(.runtime, error.description)
        }
        return 1
    }

    static var functions: [LuaRegistration] { [
        LuaRegistration("input", InputFunction.input),
        LuaRegistration("inspect", inspect),
        LuaRegistration("output", output),
        LuaRegistration("table", TableFunction.table),
        LuaRegistration("uuid", uuid),
    ] }
}
