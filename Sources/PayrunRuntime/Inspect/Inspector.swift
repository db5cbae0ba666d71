// Renders a Lua value as readable, Lua-like text: what payrun.inspect and the REPL print.
import LuaKit

/// Renders nested tables the way a person wants to read them: the sequence first, then the other
/// keys sorted, short tables on one line and long ones one entry a line. A table reached twice is
/// labelled where it first appears (`<1>{ ... }`) and shown as `<table 1>` after, so cycles end.
/// Functions and userdata are numbered (`<function 1>`) so output is the same from run to run.
struct Inspector {
    private let stack: LuaStack
    private let options: InspectOptions
    /// How often each table is reached, from the first pass.
    private var seen: [UnsafeRawPointer: Int] = [:]
    /// Labels given so far, per kind of object.
    private var labels: [UnsafeRawPointer: Int] = [:]
    private var nextLabel: [String: Int] = [:]
    private var written: Set<UnsafeRawPointer> = []

    init(stack: LuaStack, options: InspectOptions) {
        self.stack = stack
        self.options = options
    }

    /// The rendering of the value at `index`.
    mutating func render(at index: Int32) -> String {
        let index = stack.absoluteIndex(index)
        count(at: index, depth: 0)
        return render(at: index, depth: 0)
    }

    // MARK: First pass: which tables are reached more than once

    private mutating func count(at index: Int32, depth: Int) {
        guard stack.type(at: index) == .table, depth <= options.depth, (try? stack.reserve(3)) != nil else { return }
        if pushLibrary(behind: index) {
            defer { stack.pop() }
            return count(at: stack.top, depth: depth)
        }
        let identity = stack.identity(at: index)!
        seen[identity, default: 0] += 1
        guard seen[identity] == 1 else { return }
        stack.forEachEntry(of: index) { key, value in
            count(at: key, depth: depth + 1)
            count(at: value, depth: depth + 1)
        }
    }

    // MARK: Second pass: rendering

    private mutating func render(at index: Int32, depth: Int) -> String {
        switch stack.type(at: index) {
        case .nil, .none: return "nil"
        case .boolean: return stack.boolean(at: index) ? "true" : "false"
        case .number: return stack.describe(at: index)
        case .string: return Self.quote(stack.bytes(at: index)!)
        case .table:
            guard (try? stack.reserve(3)) != nil, pushLibrary(behind: index) else { return renderTable(at: index, depth: depth) }
            defer { stack.pop() }
            return renderTable(at: stack.top, depth: depth)
        case .userdata:
            // An amount is what a person inspects a payment for: shown as Lua would make it again.
            if let decimal = stack.object(at: index, as: DecimalValue.self) { return "payrun.decimal.new(\"\(decimal.value)\")" }
            if let name = metatableName(at: index) { return name }
            return "<userdata \(label(for: index, kind: "userdata"))>"
        case .lightUserdata: return "<userdata \(label(for: index, kind: "userdata"))>"
        case .function: return "<function \(label(for: index, kind: "function"))>"
        case .thread: return "<thread \(label(for: index, kind: "thread"))>"
        }
    }

    private mutating func renderTable(at index: Int32, depth: Int) -> String {
        let identity = stack.identity(at: index)!
        let shared = (seen[identity] ?? 0) > 1
        if written.contains(identity) { return "<table \(label(for: index, kind: "table"))>" }
        if depth >= options.depth || (try? stack.reserve(5)) == nil { return "{...}" }
        written.insert(identity)
        let prefix = shared ? "<\(label(for: index, kind: "table"))>" : ""

        var entries: [String] = []
        var omitted = 0
        let sequenceLength = stack.rawLength(at: index)
        for position in 0..<sequenceLength {
            stack.pushElement(position + 1, of: index)
            defer { stack.pop() }
            if entries.count >= options.maxItems { omitted += 1; continue }
            entries.append(render(at: stack.top, depth: depth + 1))
        }
        // The keys themselves, in a scratch table: a table or function used as a key is looked up
        // as itself, not as a copy that finds nothing.
        stack.pushTable()
        let scratch = stack.top
        defer { stack.pop() }
        for slot in sortedKeys(of: index, skippingSequenceOf: sequenceLength, into: scratch) {
            if entries.count >= options.maxItems { omitted += 1; continue }
            stack.pushElement(slot, of: scratch)
            stack.pushCopy(of: -1)
            stack.getEntry(in: index)  // stack: ... key value
            let keyText = renderKey(at: stack.top - 1, depth: depth + 1)
            entries.append("\(keyText) = \(render(at: stack.top, depth: depth + 1))")
            stack.pop(2)
        }
        if omitted > 0 { entries.append("... (\(omitted) more)") }
        guard !entries.isEmpty else { return prefix + "{}" }
        let oneLine = prefix + "{ " + entries.joined(separator: ", ") + " }"
        if oneLine.count + depth * options.indent <= options.width && !oneLine.contains("\n") { return oneLine }
        let inner = String(repeating: " ", count: (depth + 1) * options.indent)
        let outer = String(repeating: " ", count: depth * options.indent)
        return prefix + "{\n" + entries.map { inner + $0 }.joined(separator: ",\n") + "\n" + outer + "}"
    }

    /// The keys outside the sequence part, each put in the table at `scratch` and given by its
    /// slot there, in a stable order: numbers, then strings, then booleans, then the rest (tables,
    /// functions: in `next`'s order, which no sort could make stabler).
    private func sortedKeys(of index: Int32, skippingSequenceOf length: Int, into scratch: Int32) -> [Int] {
        var keys: [(order: LuaValue?, slot: Int)] = []
        stack.forEachEntry(of: index) { key, _ in
            if let position = stack.integer(at: key), position >= 1, position <= length { return }
            let order: LuaValue? = switch stack.type(at: key) {
            case .number, .string, .boolean: try? stack.value(at: key)
            default: nil
            }
            stack.pushCopy(of: key)
            stack.setElement(keys.count + 1, in: scratch)
            keys.append((order, keys.count + 1))
        }
        return keys.sorted { lhs, rhs in
            switch (lhs.order, rhs.order) {
            case (let a?, let b?): Self.keyOrder(a, b)
            case (_?, nil): true
            case (nil, _?): false
            case (nil, nil): lhs.slot < rhs.slot
            }
        }.map(\.slot)
    }

    private static func keyOrder(_ lhs: LuaValue, _ rhs: LuaValue) -> Bool {
        func rank(_ value: LuaValue) -> Int {
            switch value {
            case .integer, .number: 0
            case .string: 1
            case .boolean: 2
            default: 3
            }
        }
        switch (lhs, rhs) {
        case (.integer(let a), .integer(let b)): return a < b
        case (.number(let a), .number(let b)): return a < b
        case (.integer(let a), .number(let b)): return Double(a) < b
        case (.number(let a), .integer(let b)): return a < Double(b)
        case (.string(let a), .string(let b)): return a.bytes.lexicographicallyPrecedes(b.bytes)
        case (.boolean(let a), .boolean(let b)): return !a && b
        default: return rank(lhs) < rank(rhs)
        }
    }

    private mutating func renderKey(at index: Int32, depth: Int) -> String {
        if stack.type(at: index) == .string, let bytes = stack.bytes(at: index), Self.isIdentifier(bytes) {
            return String(decoding: bytes, as: UTF8.self)
        }
        return "[" + render(at: index, depth: depth) + "]"
    }

    private mutating func label(for index: Int32, kind: String) -> Int {
        let identity = stack.identity(at: index)!
        if let label = labels[identity] { return label }
        let label = nextLabel[kind, default: 0] + 1
        nextLabel[kind] = label
        labels[identity] = label
        return label
    }

    /// Pushes the library a locked table reads through (the sandbox's read-only proxy for
    /// `payrun`, `string` and the rest holds nothing itself, and showed as `{}`) and returns
    /// true; pushes nothing and returns false for any other table.
    private func pushLibrary(behind index: Int32) -> Bool {
        guard stack.pushField("__library", ofMetatableAt: index) else { return false }
        if stack.type(at: -1) == .table { return true }
        stack.pop()
        return false
    }

    private func metatableName(at index: Int32) -> String? {
        guard stack.pushField("__name", ofMetatableAt: index) else { return nil }
        defer { stack.pop() }
        return stack.string(at: -1)
    }

    // MARK: Text

    private static let reservedWords: Set<String> = [
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
        "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
    ]

    static func isIdentifier(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let first = bytes.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        let valid = bytes.allSatisfy { byte in
            byte == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        return valid && !reservedWords.contains(String(decoding: bytes, as: UTF8.self))
    }

    /// A string as Lua source would write it: double-quoted, with escapes for quotes,
    /// backslashes and control bytes; valid UTF-8 is kept as it is.
    static func quote(_ bytes: UnsafeRawBufferPointer) -> String {
        var text = "\""
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                // Three digits, so a digit that follows is not read as part of the escape.
                let digits = String(scalar.value)
                text += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text + "\""
    }
}
