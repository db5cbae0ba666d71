// Options tables, as payrun's functions take them (`{depth = 3}`, `{page_size = 100}`): one way to
// read an integer field and to say what is wrong with it.
import CLua
import LuaKit

extension LuaCall {
    /// Integer field `name` of the options table at argument `position`; nil when the argument
    /// or the field is absent.
    /// - Throws: the standard argument error when the argument is not a table, or the field is not
    ///   an integer within `range`.
    func integerOption(_ name: String, at position: Int, in range: ClosedRange<Int>) throws(LuaArgumentError) -> Int? {
        guard !isNoneOrNil(position) else { return nil }
        try check(.table, at: position)
        defer { stack.pop() }
        switch stack.pushField(name, of: index(of: position)) {
        case .nil: return nil
        case .number where lua_isinteger(stack.unsafeState, -1) != 0:
            let value = Int(lua_tointegerx(stack.unsafeState, -1, nil))
            if range.contains(value) { return value }
        default: break
        }
        throw .invalid(at: position, "field '\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound)")
    }
}
