// A step's results as the journal stores them and a resumed run gets them back: nil, booleans,
// numbers, strings, decimals and tables of those, with integer and string keys kept apart.
//   scalars as JSON; a decimal as {"$decimal": "12.50"}; a table as {"$table": [[key, value], ...]}
import LuaKit
import PayrunFormats

enum StepValues {
    struct Unstorable: Error {
        let message: String
    }

    /// The values at `first...last` of the table at `table` (a `table.pack` result).
    static func encode(_ stack: LuaStack, table: Int32, from first: Int, to last: Int) throws(Unstorable) -> JSONValue {
        var items: [JSONValue] = []
        var visiting: Set<UnsafeRawPointer> = []
        if first <= last {
            for position in first...last {
                _ = stack.pushElement(position, of: table)
                defer { stack.pop() }
                items.append(try value(stack, at: stack.top, visiting: &visiting))
            }
        }
        return .array(items)
    }

    private static func value(_ stack: LuaStack, at index: Int32, visiting: inout Set<UnsafeRawPointer>) throws(Unstorable) -> JSONValue {
        switch stack.type(at: index) {
        case .nil, .none: return .null
        case .boolean: return .bool(stack.boolean(at: index))
        case .number:
            if let integer = stack.integer(at: index), stack.isInteger(at: index) { return .integer(integer) }
            let number = stack.number(at: index)!
            guard number.isFinite else { throw Unstorable(message: "\(number) cannot be stored") }
            return .number(number)
        case .string:
            guard let text = stack.string(at: index) else { throw Unstorable(message: "a string that is not UTF-8 cannot be stored") }
            return .string(text)
        case .table:
            guard let identity = stack.identity(at: index), visiting.insert(identity).inserted else {
                throw Unstorable(message: "a table that contains itself cannot be stored")
            }
            defer { visiting.remove(identity) }
            var pairs: [JSONValue] = []
            try stack.forEachEntry(of: index) { (key, member) throws(Unstorable) in
                pairs.append(.array([try value(stack, at: key, visiting: &visiting), try value(stack, at: member, visiting: &visiting)]))
            }
            return .object(["$table": .array(pairs)])
        case let type:
            if type == .userdata, let decimal = stack.object(at: index, as: DecimalValue.self) {
                return .object(["$decimal": .string(decimal.value.description)])
            }
            throw Unstorable(message: "a \(type) cannot be stored")
        }
    }

    /// Pushes a table of the stored values with `n` set, as `table.pack` makes.
    static func push(_ stored: JSONValue, on stack: LuaStack) throws(LuaError) {
        let items: [JSONValue] = if case .array(let items) = stored { items } else { [] }
        try stack.reserve(4)
        stack.pushTable(arrayCapacity: items.count, fieldCapacity: 1)
        for (offset, item) in items.enumerated() {
            try pushValue(item, on: stack)
            stack.setElement(offset + 1, in: -2)
        }
        stack.push(items.count)
        stack.setField("n", in: -2)
    }

    private static func pushValue(_ value: JSONValue, on stack: LuaStack) throws(LuaError) {
        try stack.reserve(3)
        switch value {
        case .null: stack.pushNil()
        case .bool(let flag): stack.push(flag)
        case .integer(let integer): stack.push(integer)
        case .number(let number): stack.push(number)
        // Step values are written from Lua's floats, whose text a double holds exactly.
        case .exactNumber(let text): stack.push(Double(text) ?? .nan)
        case .string(let text): stack.push(text)
        case .array: stack.pushNil()
        case .object(let members):
            if let digits = members["$decimal"]?.string, let decimal = DecimalNumber(digits) {
                stack.push(object: DecimalValue(decimal))
            } else if case .array(let pairs)? = members["$table"] {
                stack.pushTable()
                for pair in pairs {
                    guard case .array(let both) = pair, both.count == 2, both[0] != .null else { continue }
                    try pushValue(both[0], on: stack)
                    try pushValue(both[1], on: stack)
                    try stack.setEntry(in: -3)
                }
            } else {
                stack.pushNil()
            }
        }
    }
}
