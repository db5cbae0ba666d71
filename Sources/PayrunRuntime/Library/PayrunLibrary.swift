// The `payrun` global: the modules payrun gives every script.
import CLua
import LuaKit

/// Installs the `payrun` table — `payrun.json`, `payrun.decimal`, `payrun.inspect`, `payrun.stdout`,
/// `payrun.stderr`, `payrun.version` — and `print`. ``ScriptRunner`` does this for every script;
/// a host with a state of its own (no sandbox) can do it too.
public enum PayrunLibrary {
    public static func install(in state: LuaState, output: any ScriptOutput) throws(LuaError) {
        let stack = state.stack
        try stack.reserve(3)
        stack.push(library: functions)      // stack: payrun
        try JSONLibrary.push(onto: stack)   // stack: payrun json
        stack.setField("json", in: -2)
        try DecimalLibrary.push(onto: stack)  // stack: payrun decimal
        stack.setField("decimal", in: -2)
        stack.push(PayrunVersion.current)
        stack.setField("version", in: -2)
        try OutputLibrary.install(in: state, output: output)
        stack.setGlobal("payrun")
    }

    /// `payrun.inspect(value [, options])`: a readable rendering of any value. Options: `depth`,
    /// `max_items`, `width`, `indent`.
    static func inspect(_ call: LuaCall) throws -> LuaReturn {
        try call.checkAny(at: 1)
        var options = InspectOptions()
        if !call.isNoneOrNil(2) {
            try call.check(.table, at: 2)
            let table = call.index(of: 2)
            func field(_ name: String, _ range: ClosedRange<Int>) throws(LuaArgumentError) -> Int? {
                defer { call.stack.pop() }
                switch call.stack.pushField(name, of: table) {
                case .nil: return nil
                case .number where lua_isinteger(call.stack.unsafeState, -1) != 0:
                    let value = Int(lua_tointegerx(call.stack.unsafeState, -1, nil))
                    if range.contains(value) { return value }
                default: break
                }
                throw .invalid(at: 2, "field '\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            options.depth = try field("depth", 0...1000) ?? options.depth
            options.maxItems = try field("max_items", 1...1_000_000) ?? options.maxItems
            options.width = try field("width", 0...10_000) ?? options.width
            options.indent = try field("indent", 0...16) ?? options.indent
        }
        var inspector = Inspector(stack: call.stack, options: options)
        call.stack.push(inspector.render(at: call.index(of: 1)))
        return 1
    }

    static var functions: [LuaRegistration] { [
        LuaRegistration("inspect", inspect),
    ] }
}
