// Encodes the Lua value on a stack as JSON text through payrun's one JSON writer, reading tables
// raw (no metamethods run).
import LuaKit
import PayrunFormats

/// One encoding of one Lua value. A table is an array when it carries the array metatable or
/// its keys are exactly `1...n`; an object when its keys are all strings (the empty table is an
/// object). Strings must be UTF-8; NaN and the infinities are refused (JSON has no form for
/// them), where the writer would quietly write `null`.
struct JSONEncoding {
    private let stack: LuaStack
    private let options: JSONEncodingOptions
    private let nullIndex: Int32
    private let arrayMetatableIndex: Int32
    private var writer: JSONWriter
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

    /// The text written so far (all of it, after ``encode(at:)``).
    var output: [UInt8] { writer.bytes }

    init(stack: LuaStack, options: JSONEncodingOptions, nullIndex: Int32, arrayMetatableIndex: Int32) {
        self.stack = stack
        self.options = options
        self.nullIndex = nullIndex
        self.arrayMetatableIndex = arrayMetatableIndex
        writer = JSONWriter(indent: options.indent)
        let owner = stack.owner
        self.maximumLength = owner.memoryLimit.map { max(0, $0 - owner.memoryInUse) } ?? Int.max
    }

    mutating func encode(at index: Int32) throws(JSONEncodingError) {
        try value(at: stack.absoluteIndex(index))
    }

    // MARK: Values

    private mutating func value(at index: Int32) throws(JSONEncodingError) {
        guard writer.bytes.count <= maximumLength else {
            throw failure("not enough memory: the text would pass the script's memory limit")
        }
        switch stack.type(at: index) {
        case .nil, .none:
            writer.null()
        case .boolean:
            writer.bool(stack.boolean(at: index))
        case .number:
            if let integer = stack.integer(at: index) { return writer.integer(integer) }
            let number = stack.number(at: index)!
            guard number.isFinite else { throw failure("\(number) is not a finite number, and JSON has no form for it") }
            writer.number(number)
        case .string:
            let bytes = stack.bytes(at: index)!
            try checkUTF8(bytes)
            writer.string(utf8: bytes)
        case .table:
            try table(at: index)
        case .userdata where stack.rawEquals(index, nullIndex):
            writer.null()
        case .userdata where options.credentialPlaceholders && stack.object(at: index, as: CredentialHandle.self) != nil:
            writer.string(CredentialPlaceholder.text(for: stack.object(at: index, as: CredentialHandle.self)!.name))
        case let type:
            // A decimal is written with its exact digits, as a JSON number: 12.50 stays 12.50.
            guard type == .userdata, let decimal = stack.object(at: index, as: DecimalValue.self) else {
                throw failure("a \(type) has no JSON form")
            }
            writer.raw(decimal.value.description.utf8)
        }
    }

    private func checkUTF8(_ bytes: UnsafeRawBufferPointer) throws(JSONEncodingError) {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw failure("the string is not valid UTF-8 (JSON text must be); encode binary data as base64 or hex first")
        }
    }

    // MARK: Tables

    private mutating func table(at index: Int32) throws(JSONEncodingError) {
        let identity = stack.identity(at: index)!
        guard visiting.insert(identity).inserted else { throw failure("the table contains itself") }
        guard (try? stack.reserve(4)) != nil, path.count < JSONLibrary.maximumDepth else {
            throw failure("nested more than \(JSONLibrary.maximumDepth) levels deep")
        }
        defer { visiting.remove(identity) }
        if isMarkedArray(at: index) {
            try array(at: index, count: stack.rawLength(at: index))
            return
        }
        switch try classify(at: index) {
        case .array(let count): try array(at: index, count: count)
        case .object(let keys): try object(at: index, keys: keys)
        }
    }

    private func isMarkedArray(at index: Int32) -> Bool {
        guard stack.pushMetatable(of: index) else { return false }
        defer { stack.pop() }
        return stack.rawEquals(-1, arrayMetatableIndex)
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
        var badKey: LuaType?
        stack.forEachEntry(of: index) { key, _ in
            switch stack.type(at: key) {
            case .string:
                keys.append(Array(stack.bytes(at: key)!))
            case .number where (stack.integer(at: key) ?? 0) > 0:
                integerCount += 1
                largestInteger = max(largestInteger, stack.integer(at: key)!)
            case let type:
                if badKey == nil { badKey = type }
            }
        }
        if let badKey {
            let name = badKey == .number ? "a non-positive or fractional number" : "a \(badKey)"
            throw failure("a table key is \(name); JSON object keys are strings and arrays count from 1")
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
        writer.openArray()
        for element in stride(from: 1, through: count, by: 1) {
            path.append(.index(element))
            stack.pushElement(element, of: index)
            try value(at: stack.top)
            stack.pop()
            path.removeLast()
        }
        writer.closeArray()
    }

    private mutating func object(at index: Int32, keys: [[UInt8]]) throws(JSONEncodingError) {
        writer.openObject()
        for key in keys {
            guard String(validating: key, as: UTF8.self) != nil else {
                throw failure("the string is not valid UTF-8 (JSON text must be); encode binary data as base64 or hex first")
            }
            writer.key(utf8: key)
            path.append(.key(String(decoding: key, as: UTF8.self)))
            key.withUnsafeBytes { stack.push(bytes: $0) }
            stack.getEntry(in: index)
            try value(at: stack.top)
            stack.pop()
            path.removeLast()
        }
        writer.closeObject()
    }

    private func failure(_ problem: String) -> JSONEncodingError {
        func rendered(_ component: PathComponent) -> String {
            switch component {
            case .index(let index): return "[\(index)]"
            case .key(let key):
                // A long key is cut: the message names the place, it does not copy the data.
                let shown = key.count > 40 ? key.prefix(37) + "…" : Substring(key)
                if !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) { return ".\(shown)" }
                return "[\"\(shown)\"]"
            }
        }
        // A deep path keeps its first and last few steps, and says how many it leaves out.
        let ends = 4
        var text = "$"
        if path.count > 2 * ends + 1 {
            text += path.prefix(ends).map(rendered).joined()
            text += "…(\(path.count - 2 * ends) more levels)…"
            text += path.suffix(ends).map(rendered).joined()
        } else {
            text += path.map(rendered).joined()
        }
        return JSONEncodingError(path: text == "$" ? "the value" : text, problem: problem)
    }
}
