// Encodes the Lua value on a stack as JSON text, reading tables raw (no metamethods run).
import CLua
import CLuaShims
import LuaKit

/// One encoding of one Lua value. A table is an array when it carries the array metatable or
/// its keys are exactly `1...n`; an object when its keys are all strings (the empty table is an
/// object). Floats are written in the shortest form that reads back as the same float.
struct JSONEncoding {
    private let L: OpaquePointer
    private let stack: LuaStack
    private let options: JSONEncodingOptions
    private let nullIndex: Int32
    private let arrayMetatableIndex: Int32
    private(set) var output: [UInt8] = []
    /// The tables being written, to catch a table that contains itself.
    private var visiting: Set<UnsafeRawPointer> = []
    /// Where the encoder is, for error messages.
    private var path: [PathComponent] = []
    /// The most text it may produce: what the script may still allocate, when it has a cap.
    private let maximumLength: Int

    private enum PathComponent {
        case index(Int)
        case key(String)
    }

    init(stack: LuaStack, options: JSONEncodingOptions, nullIndex: Int32, arrayMetatableIndex: Int32) {
        self.stack = stack
        self.L = stack.unsafeState
        self.options = options
        self.nullIndex = nullIndex
        self.arrayMetatableIndex = arrayMetatableIndex
        let owner = stack.owner
        self.maximumLength = owner.memoryLimit.map { max(0, $0 - owner.memoryInUse) } ?? Int.max
    }

    mutating func encode(at index: Int32) throws(JSONEncodingError) {
        try value(at: lua_absindex(L, index))
    }

    // MARK: Values

    private mutating func value(at index: Int32) throws(JSONEncodingError) {
        guard output.count <= maximumLength else {
            throw failure("not enough memory: the text would pass the script's memory limit")
        }
        switch lua_type(L, index) {
        case LUA_TNIL:
            append("null")
        case LUA_TBOOLEAN:
            append(lua_toboolean(L, index) != 0 ? "true" : "false")
        case LUA_TNUMBER:
            try number(at: index)
        case LUA_TSTRING:
            try string(stack.bytes(at: index)!)
        case LUA_TTABLE:
            try table(at: index)
        case LUA_TUSERDATA where lua_rawequal(L, index, nullIndex) != 0:
            append("null")
        case LUA_TUSERDATA where options.credentialPlaceholders && stack.object(at: index, as: CredentialHandle.self) != nil:
            try string(Array(CredentialPlaceholder.text(for: stack.object(at: index, as: CredentialHandle.self)!.name).utf8))
        case let type:
            // A decimal is written with its exact digits, as a JSON number: 12.50 stays 12.50.
            guard type == LUA_TUSERDATA, let decimal = stack.object(at: index, as: DecimalValue.self) else {
                throw failure("a \(LuaType(rawValue: type) ?? .none) has no JSON form")
            }
            append(decimal.value.description)
        }
    }

    private mutating func number(at index: Int32) throws(JSONEncodingError) {
        if lua_isinteger(L, index) != 0 {
            append(String(lua_tointegerx(L, index, nil)))
            return
        }
        let value = lua_tonumberx(L, index, nil)
        guard value.isFinite else { throw failure("\(value) is not a finite number, and JSON has no form for it") }
        // Swift writes the shortest digits that read back as the same double ("0.1", "1e-07").
        append(value.description)
    }

    // MARK: Tables

    private mutating func table(at index: Int32) throws(JSONEncodingError) {
        let identity = lua_topointer(L, index)!
        guard visiting.insert(identity).inserted else { throw failure("the table contains itself") }
        guard lua_checkstack(L, 4) != 0, path.count < JSONDecoding.maximumDepth else {
            throw failure("nested more than \(JSONDecoding.maximumDepth) levels deep")
        }
        defer { visiting.remove(identity) }
        if isMarkedArray(at: index) {
            try array(at: index, count: Int(lua_rawlen(L, index)))
            return
        }
        switch try classify(at: index) {
        case .array(let count): try array(at: index, count: count)
        case .object(let keys): try object(at: index, keys: keys)
        }
    }

    private func isMarkedArray(at index: Int32) -> Bool {
        guard lua_getmetatable(L, index) != 0 else { return false }
        defer { stack.pop() }
        return lua_rawequal(L, -1, arrayMetatableIndex) != 0
    }

    private enum Shape {
        case array(count: Int)
        case object(keys: [[UInt8]])
    }

    /// Reads a table's keys once: all positive integers forming `1...n` make an array, all
    /// strings an object. Anything else has no JSON form.
    private mutating func classify(at index: Int32) throws(JSONEncodingError) -> Shape {
        var keys: [[UInt8]] = []
        var integerCount = 0
        var largestInteger = 0
        lua_pushnil(L)  // stack: ... nil (the first key)
        while lua_next(L, index) != 0 {  // stack: ... key value
            switch lua_type(L, -2) {
            case LUA_TSTRING:
                keys.append(Array(stack.bytes(at: -2)!))
            case LUA_TNUMBER where lua_isinteger(L, -2) != 0 && lua_tointegerx(L, -2, nil) > 0:
                integerCount += 1
                largestInteger = max(largestInteger, Int(lua_tointegerx(L, -2, nil)))
            case let type:
                stack.pop(2)
                let name = type == LUA_TNUMBER ? "a non-positive or fractional number" : "a \(LuaType(rawValue: type) ?? .none)"
                throw failure("a table key is \(name); JSON object keys are strings and arrays count from 1")
            }
            stack.pop()  // stack: ... key
        }
        if integerCount > 0 && !keys.isEmpty {
            throw failure("the table mixes integer and string keys; use all of one kind (json.array marks an array)")
        }
        if integerCount > 0 {
            guard largestInteger == integerCount else {
                throw failure("the array has holes (keys up to \(largestInteger) but \(integerCount) values); use json.null for a missing element")
            }
            return .array(count: integerCount)
        }
        if options.sortKeys { keys.sort { $0.lexicographicallyPrecedes($1) } }
        return .object(keys: keys)
    }

    private mutating func array(at index: Int32, count: Int) throws(JSONEncodingError) {
        guard count > 0 else { return append("[]") }
        output.append(UInt8(ascii: "["))
        for element in 1...count {
            if element > 1 { output.append(UInt8(ascii: ",")) }
            newline(depth: path.count + 1)
            path.append(.index(element))
            lua_rawgeti(L, index, lua_Integer(element))
            try value(at: lua_gettop(L))
            stack.pop()
            path.removeLast()
        }
        newline(depth: path.count)
        output.append(UInt8(ascii: "]"))
    }

    private mutating func object(at index: Int32, keys: [[UInt8]]) throws(JSONEncodingError) {
        guard !keys.isEmpty else { return append("{}") }
        output.append(UInt8(ascii: "{"))
        for (position, key) in keys.enumerated() {
            if position > 0 { output.append(UInt8(ascii: ",")) }
            newline(depth: path.count + 1)
            try string(key)
            output.append(UInt8(ascii: ":"))
            if options.indent != nil { output.append(UInt8(ascii: " ")) }
            path.append(.key(String(decoding: key, as: UTF8.self)))
            key.withUnsafeBytes { stack.push(bytes: $0) }
            lua_rawget(L, index)
            try value(at: lua_gettop(L))
            stack.pop()
            path.removeLast()
        }
        newline(depth: path.count)
        output.append(UInt8(ascii: "}"))
    }

    private mutating func newline(depth: Int) {
        guard let indent = options.indent else { return }
        output.append(UInt8(ascii: "\n"))
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * depth))
    }

    // MARK: Strings

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Writes `bytes` as a JSON string, escaping what JSON requires and refusing invalid UTF-8.
    private mutating func string<Bytes: Collection<UInt8>>(_ bytes: Bytes) throws(JSONEncodingError) {
        guard let _ = String(validating: bytes, as: UTF8.self) else {
            throw failure("the string is not valid UTF-8 (JSON text must be); encode binary data as base64 or hex first")
        }
        output.append(UInt8(ascii: "\""))
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20, 0x7F:
                output.append(contentsOf: Array("\\u00".utf8))
                output.append(Self.hexDigits[Int(byte >> 4)])
                output.append(Self.hexDigits[Int(byte & 0xF)])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    private mutating func append(_ text: String) {
        output.append(contentsOf: text.utf8)
    }

    private func failure(_ problem: String) -> JSONEncodingError {
        var rendered = "$"
        for component in path {
            switch component {
            case .index(let index): rendered += "[\(index)]"
            case .key(let key) where key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) && !key.isEmpty:
                rendered += ".\(key)"
            case .key(let key): rendered += "[\"\(key)\"]"
            }
        }
        return JSONEncodingError(path: rendered == "$" ? "the value" : rendered, problem: problem)
    }
}
