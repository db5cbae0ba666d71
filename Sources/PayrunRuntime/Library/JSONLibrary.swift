// payrun.json: decode and encode JSON, with a null that survives a round trip and arrays that
// stay arrays even when empty.
import LuaKit
import PayrunFormats

/// The `payrun.json` library.
enum JSONLibrary {
    /// Registry names of the shared values, kept where scripts cannot replace them.
    static let nullKey = "payrun.json.null"
    static let arrayMetatableKey = "payrun.json.array"
    /// Values nested deeper than this are refused, decoded or encoded, rather than risking the stack.
    static let maximumDepth = 1000

    /// Pushes the library table, creating the null sentinel and the array metatable.
    static func push(onto stack: LuaStack) throws(LuaError) {
        try stack.reserve(4)
        stack.pushSentinel()                   // stack: null
        stack.pushTable(fieldCapacity: 3)      // stack: null metatable
        stack.push("json.null")
        stack.setField("__name", in: -2)
        stack.push(function: { call in
            call.stack.push("null")
            return 1
        })
        stack.setField("__tostring", in: -2)
        stack.push(false)
        stack.setField("__metatable", in: -2)
        stack.setMetatable(of: -2)             // stack: null
        stack.pushCopy(of: -1)
        stack.setRegistryValue(nullKey)        // stack: null

        stack.pushTable(fieldCapacity: 2)      // stack: null arraymeta
        stack.push("json.array")
        stack.setField("__name", in: -2)
        stack.push("json.array")
        stack.setField("__metatable", in: -2)
        stack.setRegistryValue(arrayMetatableKey)  // stack: null

        stack.push(library: functions)         // stack: null json
        stack.insert(at: -2)                   // stack: json null
        stack.setField("null", in: -2)         // stack: json
    }

    // MARK: Functions

    /// `json.decode(text [, {big_numbers = "decimal" | "error" | "float"}])`: the value, or raises
    /// an error naming the byte offset.
    static func decode(_ call: LuaCall) throws -> LuaReturn {
        let document = try call.withBytes(at: 1) { $0 }
        try decode(document, on: call.stack, bigNumbers: try bigNumbers(call, at: 2))
        return 1
    }

    /// `json.trydecode(text [, options])`: the value, or nil and the error message.
    static func tryDecode(_ call: LuaCall) throws -> LuaReturn {
        let document = try call.withBytes(at: 1) { $0 }
        let bigNumbers = try bigNumbers(call, at: 2)
        do {
            try decode(document, on: call.stack, bigNumbers: bigNumbers)
            return 1
        } catch {
            call.stack.pushNil()
            call.stack.push(error.description)
            return 2
        }
    }

    /// The `big_numbers` field of the options at `position`.
    private static func bigNumbers(_ call: LuaCall, at position: Int) throws(LuaArgumentError) -> LuaJSONSink.BigNumbers {
        try call.checkFieldNames(of: position, among: ["big_numbers"])
        guard try call.hasFields(at: position), let name = try call.stringField("big_numbers", of: position) else { return .decimal }
        guard let choice = LuaJSONSink.BigNumbers(rawValue: name) else {
            throw .invalid(at: position, "field 'big_numbers' must be \"decimal\", \"error\" or \"float\"")
        }
        return choice
    }

    /// Pushes the value of the JSON text `document`, or throws and leaves the stack as it was.
    static func decode(
        _ document: UnsafeRawBufferPointer, on stack: LuaStack, bigNumbers: LuaJSONSink.BigNumbers = .decimal
    ) throws(JSONParseError) {
        let base = stack.top
        stack.pushRegistryValue(nullKey)
        stack.pushRegistryValue(arrayMetatableKey)
        var sink = LuaJSONSink(stack: stack, nullIndex: base + 1, arrayMetatableIndex: base + 2)
        sink.bigNumbers = bigNumbers
        var parser = JSONParser(document: document.bindMemory(to: UInt8.self), sink: sink, maximumDepth: maximumDepth)
        do {
            try parser.parse()     // stack: ... null arraymeta value
        } catch {
            stack.top = base
            throw error
        }
        stack.replace(at: base + 1)
        stack.top = base + 1       // stack: ... value
    }

    /// Pushes `value` as `json.decode` would have made it from its text: objects as tables,
    /// arrays marked as arrays, `null` as `json.null`. Built directly, without text in between.
    static func push(_ value: JSONValue, on stack: LuaStack) throws(LuaError) {
        try pushing(on: stack) { (null, arrayMetatable) throws(LuaError) in
            try push(value, on: stack, null: null, arrayMetatable: arrayMetatable, depth: 0)
        }
    }

    /// Runs `body` with `json.null` and the array metatable on the stack (at the indexes it is
    /// given), then leaves only what `body` pushed.
    private static func pushing(on stack: LuaStack, _ body: (Int32, Int32) throws(LuaError) -> Void) throws(LuaError) {
        let base = stack.top
        stack.pushRegistryValue(nullKey)
        stack.pushRegistryValue(arrayMetatableKey)
        defer {
            stack.replace(at: base + 1)
            stack.top = base + 1
        }
        try body(base + 1, base + 2)
    }

    /// Pushes a parsed document's `node` the same way, straight from its entries: one Lua call
    /// per value and nothing else, which is what makes `p:paginate` fast.
    static func push(_ node: JSONTape.Node, on stack: LuaStack) throws(LuaError) {
        try pushing(on: stack) { (null, arrayMetatable) throws(LuaError) in
            try node.tape.withReader { (reader) throws(LuaError) in
                try push(at: node.index, of: reader, on: stack, null: null, arrayMetatable: arrayMetatable, depth: 0)
            }
        }
    }

    /// Pushes a page of records for `p:paginate`: `page`'s array, each of its non-empty objects
    /// an empty table that ``PageRecords`` fills the first time anything reads it. A loop that
    /// counts a page's records, or reads a few, never builds the rest. Unless the session's
    /// unread tables and pages hold `budget`'s worth already: then the page is built at once.
    /// `reads` counts how many are read, and says whether the empty tables get room for their
    /// fields.
    static func pushPage(_ page: JSONTape.Node, budget: UnreadTablesBudget, reads: RecordReads, on stack: LuaStack) throws(LuaError) {
        try pushing(on: stack) { (null, arrayMetatable) throws(LuaError) in
            try page.tape.withReader { (reader) throws(LuaError) in
                guard reader.kind(at: page.index) == .array, budget.allows(page.tape.byteCount) else {
                    try push(at: page.index, of: reader, on: stack, null: null, arrayMetatable: arrayMetatable, depth: 0)
                    return
                }
                try stack.reserve(4)
                let count = reader.count(at: page.index)
                stack.pushTable(arrayCapacity: count)                     // stack: ... page
                let records = PageRecords(tape: page.tape, capacity: count, budget: budget, reads: reads)
                let sized = reads.sizesNextPage(of: count)
                stack.pushLazyMetatable(filling: records)                 // stack: ... page lazy
                var child = page.index + 1
                for position in 0..<count {
                    let members = reader.kind(at: child) == .object ? reader.count(at: child) : 0
                    if members > 0 {
                        stack.pushTable(fieldCapacity: sized ? members : 0) // stack: ... page lazy record
                        stack.pushCopy(of: -2)
                        stack.setMetatable(of: -2)
                        records.add(stack.identity(at: -1)!, node: child)
                    } else {
                        try push(at: child, of: reader, on: stack, null: null, arrayMetatable: arrayMetatable, depth: 1)
                    }
                    stack.setElement(position + 1, in: -3)
                    child = reader.next(after: child)
                }
                stack.pop()                                               // stack: ... page
                stack.pushCopy(of: arrayMetatable)
                stack.setMetatable(of: -2)
            }
        }
    }

    /// Fills the table at `table` with the members of the object at `node` of `tape`, raw, as
    /// ``push(_:on:)`` would have made them. It cannot fail: the parser held the document to
    /// ``maximumDepth`` and its keys are strings.
    static func fill(_ table: Int32, withMembersOf node: Int, of tape: JSONTape, on stack: LuaStack) {
        let base = stack.top
        defer { stack.top = base }
        stack.pushRegistryValue(nullKey)
        stack.pushRegistryValue(arrayMetatableKey)
        try? tape.withReader { (reader) throws(LuaError) in
            try enter(1, on: stack)
            try setMembers(of: node, of: reader, in: table, on: stack, null: base + 1, arrayMetatable: base + 2, depth: 1)
        }
    }

    /// A number from a provider's answer that a double cannot hold as written: a `payrun.decimal`
    /// with its digits, as `json.decode` gives by default; past the 38 digits a decimal holds (no
    /// amount has as many), the nearest float.
    private static func pushExactNumber(_ text: String, rounded: Double, on stack: LuaStack) {
        if let decimal = DecimalNumber(text) {
            stack.push(object: DecimalValue(decimal))
        } else {
            stack.push(rounded)
        }
    }

    private static func push(
        at index: Int, of reader: JSONTape.Reader, on stack: LuaStack, null: Int32, arrayMetatable: Int32, depth: Int
    ) throws(LuaError) {
        switch reader.kind(at: index) {
        case .null: stack.pushCopy(of: null)
        case .false: stack.push(false)
        case .true: stack.push(true)
        case .integer: stack.push(reader.integer(at: index))
        case .number:
            if let text = reader.exactNumberText(at: index) {
                pushExactNumber(text, rounded: reader.number(at: index), on: stack)
            } else {
                stack.push(reader.number(at: index))
            }
        case .string: stack.push(bytes: reader.bytes(at: index))
        case .array:
            try enter(depth, on: stack)
            let count = reader.count(at: index)
            stack.pushTable(arrayCapacity: count)
            var child = index + 1
            for position in 0..<count {
                try push(at: child, of: reader, on: stack, null: null, arrayMetatable: arrayMetatable, depth: depth + 1)
                stack.setElement(position + 1, in: -2)
                child = reader.next(after: child)
            }
            stack.pushCopy(of: arrayMetatable)
            stack.setMetatable(of: -2)
        case .object:
            try enter(depth, on: stack)
            stack.pushTable(fieldCapacity: reader.count(at: index))
            try setMembers(of: index, of: reader, in: stack.absoluteIndex(-1), on: stack, null: null, arrayMetatable: arrayMetatable, depth: depth)
        }
    }

    /// Sets the members of the object at `index` in the table at `table` (absolute), raw; the
    /// caller has made room (``enter(_:on:)``) for a key and a value at a time.
    private static func setMembers(
        of index: Int, of reader: JSONTape.Reader, in table: Int32, on stack: LuaStack, null: Int32, arrayMetatable: Int32, depth: Int
    ) throws(LuaError) {
        var child = index + 1
        for _ in 0..<reader.count(at: index) {
            stack.push(bytes: reader.bytes(at: child))
            try push(at: child + 1, of: reader, on: stack, null: null, arrayMetatable: arrayMetatable, depth: depth + 1)
            try stack.setEntry(in: table)
            child = reader.next(after: child + 1)
        }
    }

    private static func push(_ value: JSONValue, on stack: LuaStack, null: Int32, arrayMetatable: Int32, depth: Int) throws(LuaError) {
        switch value {
        case .null: stack.pushCopy(of: null)
        case .bool(let flag): stack.push(flag)
        case .integer(let number): stack.push(number)
        case .number(let number): stack.push(number)
        case .exactNumber(let text): pushExactNumber(text, rounded: Double(text) ?? .nan, on: stack)
        case .string(let text): stack.push(text)
        case .array(let items):
            try enter(depth, on: stack)
            stack.pushTable(arrayCapacity: items.count)
            for (index, item) in items.enumerated() {
                try push(item, on: stack, null: null, arrayMetatable: arrayMetatable, depth: depth + 1)
                stack.setElement(index + 1, in: -2)
            }
            stack.pushCopy(of: arrayMetatable)
            stack.setMetatable(of: -2)
        case .object(let members):
            try enter(depth, on: stack)
            stack.pushTable(fieldCapacity: members.count)
            for (name, member) in members {
                stack.push(name)
                try push(member, on: stack, null: null, arrayMetatable: arrayMetatable, depth: depth + 1)
                try stack.setEntry(in: -3)
            }
        }
    }

    /// Checks there is room for one more level of nesting at `depth`.
    private static func enter(_ depth: Int, on stack: LuaStack) throws(LuaError) {
        guard depth < maximumDepth else { throw LuaError(.runtime, "JSON nested more than \(maximumDepth) levels deep") }
        try stack.reserve(3)
    }

    /// The JSON text of the value at `index`, as `json.encode` writes it.
    /// - Parameter credentialPlaceholders: writes credential handles as placeholders, for a
    ///   request body the provider's signing fills in.
    static func encode(at index: Int32, on stack: LuaStack, credentialPlaceholders: Bool = false) throws(JSONEncodingError) -> [UInt8] {
        let value = stack.absoluteIndex(index)
        stack.pushRegistryValue(nullKey)
        stack.pushRegistryValue(arrayMetatableKey)
        defer { stack.pop(2) }
        var options = JSONEncodingOptions()
        options.credentialPlaceholders = credentialPlaceholders
        var encoding = JSONEncoding(stack: stack, options: options, nullIndex: stack.top - 1, arrayMetatableIndex: stack.top)
        try encoding.encode(at: value)
        return encoding.output
    }

    /// `json.encode(value [, options])`: JSON text. Options: `indent` (a number of spaces, or
    /// true for 2) and `sort_keys`.
    static func encode(_ call: LuaCall) throws -> LuaReturn {
        try call.checkAny(at: 1)
        let output = try encoded(call, valueAt: 1, optionsAt: 2)
        output.withUnsafeBytes { call.stack.push(bytes: $0) }
        return 1
    }

    /// `json.write(report, value [, options])`: `value` encoded as `json.encode` does, and a
    /// line break, appended to a `payrun.output` report; returns the report.
    static func write(_ call: LuaCall) throws -> LuaReturn {
        let file = try call.object(at: 1, as: ReportFile.self)
        try call.checkAny(at: 2)
        try file.write(try encoded(call, valueAt: 2, optionsAt: 3) + [UInt8(ascii: "\n")])
        call.stack.pushCopy(of: call.index(of: 1))
        return 1
    }

    /// The JSON text of argument `valueAt`, with the options at `optionsAt`.
    private static func encoded(_ call: LuaCall, valueAt value: Int, optionsAt position: Int) throws -> [UInt8] {
        let options = try encodingOptions(call, at: position)
        let stack = call.stack
        let base = stack.top
        defer { stack.top = base }
        stack.pushRegistryValue(nullKey)
        stack.pushRegistryValue(arrayMetatableKey)
        var encoding = JSONEncoding(
            stack: stack, options: options, nullIndex: stack.top - 1, arrayMetatableIndex: stack.top)
        try encoding.encode(at: call.index(of: value))
        return encoding.output
    }

    private static func encodingOptions(_ call: LuaCall, at position: Int) throws(LuaArgumentError) -> JSONEncodingOptions {
        var options = JSONEncodingOptions()
        guard try call.hasFields(at: position) else { return options }
        try call.checkFieldNames(of: position, among: ["indent", "sort_keys"])
        options.indent = try call.withField("indent", of: position) { (index, type) throws(LuaArgumentError) in
            switch type {
            case .nil: return nil
            case .boolean: return call.stack.boolean(at: index) ? 2 : nil
            case .number where (0...16).contains(call.stack.integer(at: index) ?? -1): return call.stack.integer(at: index)
            default: throw .invalid(at: position, "field 'indent' must be true, false or a number of spaces from 0 to 16")
            }
        }
        options.sortKeys = try call.flagField("sort_keys", of: position)
        return options
    }

    /// `json.array([t])`: marks `t` (or a new table) as a JSON array, so it encodes as `[...]`
    /// even when empty, and returns it.
    static func array(_ call: LuaCall) throws -> LuaReturn {
        let stack = call.stack
        if call.isNoneOrNil(1) {
            stack.pushTable()
        } else {
            try call.check(.table, at: 1)
            switch arrayMark(at: call.index(of: 1), on: stack) {
            case .array, .none: break
            case .other: throw LuaArgumentError.invalid(at: 1, "table already has a metatable")
            }
            stack.pushCopy(of: call.index(of: 1))
        }
        stack.pushRegistryValue(arrayMetatableKey)
        stack.setMetatable(of: -2)
        return 1
    }

    /// `json.isarray(t)`: whether `t` carries the array mark.
    static func isArray(_ call: LuaCall) throws -> LuaReturn {
        let marked = call.type(at: 1) == .table && arrayMark(at: call.index(of: 1), on: call.stack) == .array
        call.stack.push(marked)
        return 1
    }

    private enum Metatable {
        case none, array, other
    }

    /// Whether the table at `index` has no metatable, the array mark, or another metatable.
    private static func arrayMark(at index: Int32, on stack: LuaStack) -> Metatable {
        guard stack.pushMetatable(of: index) else { return .none }  // stack: ... metatable
        stack.pushRegistryValue(arrayMetatableKey)                 // stack: ... metatable mark
        defer { stack.pop(2) }
        return stack.rawEquals(-1, -2) ? .array : .other
    }

    static var functions: [LuaRegistration] { [
        LuaRegistration("array", array),
        LuaRegistration("decode", decode),
        LuaRegistration("encode", encode),
        LuaRegistration("isarray", isArray),
        LuaRegistration("trydecode", tryDecode),
        LuaRegistration("write", write),
    ] }
}
