// Fields of a table argument (`{depth = 3}`, `{method = "POST", path = "/user"}`), read raw and
// checked, with errors that name the field: `bad argument #2 to 'get' (field 'limit': integer
// expected, got string)`.
import CLua
import CLuaShims

extension LuaCall {
    /// Whether argument `position` is a table to read fields from: false when it is nil or was
    /// not passed (an omitted options table); otherwise it must be a table.
    /// - Throws: the standard type error ("table expected, got string").
    public func hasFields(at position: Int) throws(LuaArgumentError) -> Bool {
        guard !isNoneOrNil(position) else { return false }
        try check(.table, at: position)
        return true
    }

    /// Calls `body` with field `name` of the table at argument `position` pushed (raw, no
    /// `__index`) and its type; nil when the argument is absent. The stack is put back after.
    public func withField<Value>(
        _ name: String, of position: Int, _ body: (_ index: Int32, _ type: LuaType) throws(LuaArgumentError) -> Value?
    ) throws(LuaArgumentError) -> Value? {
        guard try hasFields(at: position) else { return nil }
        let base = stack.top
        defer { stack.top = base }
        let type = stack.pushField(name, of: index(of: position))
        return try body(stack.top, type)
    }

    /// Field `name` of the table at argument `position`: its type, or `.nil` when it is absent
    /// (or the argument is).
    public func fieldType(_ name: String, of position: Int) throws(LuaArgumentError) -> LuaType {
        try withField(name, of: position) { _, type in type } ?? .nil
    }

    /// Field `name` read by `read` when it has type `wanted`; nil when absent.
    /// - Throws: "field 'name': <expected> expected, got <type>" for any other type, or what
    ///   `read` throws.
    private func field<Value>(
        _ name: String, of position: Int, _ wanted: LuaType, expected: String,
        _ read: (Int32) throws(LuaArgumentError) -> Value?
    ) throws(LuaArgumentError) -> Value? {
        try withField(name, of: position) { (index, type) throws(LuaArgumentError) in
            switch type {
            case .nil: return nil
            case wanted: return try read(index)
            default: throw fieldError(name, at: position, expected: expected, got: type)
            }
        }
    }

    /// Field `name` as a string (a number is not converted); nil when absent.
    public func stringField(_ name: String, of position: Int) throws(LuaArgumentError) -> String? {
        try field(name, of: position, .string, expected: "string") { stack.string(at: $0) }
    }

    /// Field `name` as an integer (a float with an exact integer value converts, as
    /// `luaL_checkinteger` does); nil when absent.
    public func integerField(_ name: String, of position: Int) throws(LuaArgumentError) -> Int? {
        try field(name, of: position, .number, expected: "integer") { (index) throws(LuaArgumentError) in
            var isInteger: Int32 = 0
            let value = lua_tointegerx(L, index, &isInteger)
            guard isInteger != 0 else { throw .invalid(at: position, "field '\(name)': number has no integer representation") }
            return Int(value)
        }
    }

    /// Field `name` as an integer within `range`; nil when absent.
    /// - Throws: a type error naming the field, or "field 'depth' must be an integer from 0 to
    ///   1000" for a value outside the range.
    public func integerField(_ name: String, of position: Int, in range: ClosedRange<Int>) throws(LuaArgumentError) -> Int? {
        guard let value = try integerField(name, of: position) else { return nil }
        guard range.contains(value) else {
            throw .invalid(at: position, "field '\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// Field `name` as a number; nil when absent.
    public func numberField(_ name: String, of position: Int) throws(LuaArgumentError) -> Double? {
        try field(name, of: position, .number, expected: "number") { stack.number(at: $0) }
    }

    /// Field `name` as a boolean (true or false only); nil when absent.
    public func booleanField(_ name: String, of position: Int) throws(LuaArgumentError) -> Bool? {
        try field(name, of: position, .boolean, expected: "boolean") { stack.boolean(at: $0) }
    }

    /// Field `name`'s truth, as Lua sees it: absent, nil and false are false.
    public func flagField(_ name: String, of position: Int) throws(LuaArgumentError) -> Bool {
        try withField(name, of: position) { index, _ in stack.boolean(at: index) } ?? false
    }

    /// Field `name`, a table of string keys to string values, as pairs sorted by key; nil when
    /// absent.
    /// - Throws: "field 'headers': table expected, got string", or "field 'headers' must map
    ///   names to strings" when an entry is not a string to a string.
    public func stringPairsField(_ name: String, of position: Int) throws(LuaArgumentError) -> [(String, String)]? {
        try field(name, of: position, .table, expected: "table") { (index) throws(LuaArgumentError) in
            var pairs: [(String, String)] = []
            var allStrings = true
            stack.forEachEntry(of: index) { key, value in
                if let name = stack.string(at: key), let text = stack.string(at: value) {
                    pairs.append((name, text))
                } else {
                    allStrings = false
                }
            }
            guard allStrings else { throw .invalid(at: position, "field '\(name)' must map names to strings") }
            return pairs.sorted { $0.0 < $1.0 }
        }
    }

    /// Field `name`, a list of strings (`columns = {"id", "amount"}`); nil when absent.
    /// - Throws: "field 'columns' must be a list of <what>" when it is not a table of strings.
    public func stringListField(_ name: String, of position: Int, listOf what: String) throws(LuaArgumentError) -> [String]? {
        try withField(name, of: position) { (index, type) throws(LuaArgumentError) -> [String]? in
            guard type != .nil else { return nil }
            let problem = LuaArgumentError.invalid(at: position, "field '\(name)' must be a list of \(what)")
            guard type == .table else { throw problem }
            var strings: [String] = []
            for element in 0..<stack.rawLength(at: index) {
                defer { stack.pop() }
                guard stack.pushElement(element + 1, of: index) == .string, let text = stack.string(at: -1) else { throw problem }
                strings.append(text)
            }
            return strings
        }
    }

    /// "field 'limit': integer expected, got string", for argument `position`.
    public func fieldError(_ name: String, at position: Int, expected: String, got type: LuaType) -> LuaArgumentError {
        .invalid(at: position, "field '\(name)': \(expected) expected, got \(type)")
    }
}
