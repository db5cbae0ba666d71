// payrun.csv: CSV read a row at a time, from a string or streamed from a file the person running
// the script named, and written with only the quotes it needs. The reading is PayrunFormats'
// CSVReader (RFC 4180, strict, fuzzed); rows reach Lua as tables keyed by the header's names.
import Glibc
import LuaKit
import PayrunFormats

/// The `payrun.csv` library.
enum CSVLibrary {
    static func push(onto stack: LuaStack) throws(LuaError) {
        try stack.reserve(1)
        stack.push(library: functions)
    }

    static var functions: [LuaRegistration] { [
        LuaRegistration("rows", rows),
        LuaRegistration("file", file),
        LuaRegistration("encode", encode),
        LuaRegistration("writer", writer),
    ] }

    // MARK: Reading

    /// `csv.rows(text [, options])`: an iterator over the rows of `text`.
    static func rows(_ call: LuaCall) throws -> LuaReturn {
        let text = try call.bytes(at: 1)
        let options = try ReadOptions(call, at: 2)
        let rows = CSVRows(reader: CSVReader(text: text, separator: options.separator), header: options.header, source: "csv text")
        rows.pushIterator(on: call.stack)
        return 1
    }

    /// `csv.file(n [, options])`: an iterator over the rows of the file named by the script's
    /// argument `n`, read a chunk at a time (a file of any size reads in constant memory).
    static func file(_ call: LuaCall) throws -> LuaReturn {
        let position = try call.integer(at: 1)
        let path = try InputFunction.argumentPath(position, call: call)
        let options = try ReadOptions(call, at: 2)
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw LuaError(.runtime, "cannot read \(path) (argument \(position)): \(String(cString: strerror(errno)))")
        }
        let chunks = FileChunks(descriptor: descriptor)
        let reader = CSVReader(separator: options.separator) { try chunks.next() }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        CSVRows(reader: reader, header: options.header, source: name).pushIterator(on: call.stack)
        return 1
    }

    /// What a reader was asked for: a separator (or a guess) and where field names come from.
    struct ReadOptions {
        var separator: UInt8?
        var header = CSVRows.Header.firstRow

        init(_ call: LuaCall, at position: Int) throws(LuaArgumentError) {
            try call.checkFieldNames(of: position, among: ["separator", "header"])
            separator = try CSVLibrary.separator(call, at: position)
            switch try call.fieldType("header", of: position) {
            case .nil: break
            case .boolean: header = try call.booleanField("header", of: position) == false ? .none : .firstRow
            case .table:
                let names = try call.stringListField("header", of: position, listOf: "column names") ?? []
                header = .given(names)
            default:
                throw .invalid(at: position, "field 'header' must be true, false or a list of column names")
            }
        }
    }

    /// The `separator` field of the options at `position`: one byte other than a quote or a line break.
    static func separator(_ call: LuaCall, at position: Int) throws(LuaArgumentError) -> UInt8? {
        guard let text = try call.stringField("separator", of: position) else { return nil }
        guard text.utf8.count == 1, let byte = text.utf8.first, byte != UInt8(ascii: "\""), byte != 0x0A, byte != 0x0D else {
            throw .invalid(at: position, "field 'separator' must be one character such as \",\", \";\" or \"\\t\"")
        }
        return byte
    }

    // MARK: Writing

    /// `csv.encode(rows [, {columns = {...}, separator = ",", header = true}])`: CSV text. Rows
    /// that are lists are written as they are; rows keyed by name are written in `columns`' order
    /// (every name the rows use, sorted, when not given) under a header line.
    static func encode(_ call: LuaCall) throws -> LuaReturn {
        try call.check(.table, at: 1)
        let stack = call.stack
        let rows = call.index(of: 1)
        try call.checkFieldNames(of: 2, among: writingOptions)
        let separator = try separator(call, at: 2) ?? UInt8(ascii: ",")
        let count = stack.rawLength(at: rows)
        let columns = try givenColumns(call) ?? Self.columns(of: rows, count: count, on: stack)
        let writesHeader = try call.booleanField("header", of: 2) ?? true
        try stack.reserve(4)
        var text = ""
        if let columns, writesHeader { text += CSVWriter.line(columns, separator: separator) }
        for row in 1...max(count, 1) where count > 0 {
            guard stack.pushElement(row, of: rows) == .table else {
                throw LuaArgumentError.invalid(at: 1, "row \(row) is a \(stack.type(at: -1).description), not a table")
            }
            let fields = try Self.fields(of: stack.top, row: row, columns: columns, on: stack, argument: 1)
            stack.pop()
            text += CSVWriter.line(fields, separator: separator)
        }
        stack.push(text)
        return 1
    }

    /// The fields of the row table at `table`: its `columns`, or its list when there are none.
    /// A row of the other form (a list among rows keyed by name, or the other way round) is an
    /// error: written, it would be a line of empty fields, or an empty line.
    static func fields(of table: Int32, row: Int, columns: [String]?, on stack: LuaStack, argument: Int) throws -> [String] {
        var fields: [String] = []
        let length = stack.rawLength(at: table)
        if let columns {
            var named = false
            for column in columns {
                if stack.pushField(column, of: table) != .nil { named = true }
                fields.append(try field(at: stack.top, row: row, column: "'\(column)'", on: stack, argument: argument))
                stack.pop()
            }
            if !named, length > 0 {
                throw LuaArgumentError.invalid(at: argument, "row \(row) is a list, where rows are keyed by column name: give every row one form")
            }
        } else {
            for position in 0..<length {
                _ = stack.pushElement(position + 1, of: table)
                fields.append(try field(at: stack.top, row: row, column: "\(position + 1)", on: stack, argument: argument))
                stack.pop()
            }
            if length == 0, hasName(table, on: stack) {
                throw LuaArgumentError.invalid(
                    at: argument, "row \(row) is keyed by name, where rows are lists: give every row one form (or `columns` to name them)")
            }
        }
        return fields
    }

    /// Whether the table at `table` has a string key.
    private static func hasName(_ table: Int32, on stack: LuaStack) -> Bool {
        var found = false
        stack.forEachEntry(of: table) { key, _ in
            if stack.type(at: key) == .string { found = true }
        }
        return found
    }

    /// `csv.writer(output [, {columns = {...}, separator = ",", header = true}])`: a writer whose
    /// `w:write(row)` appends one row to a report from `payrun.output`, the header line first.
    static func writer(_ call: LuaCall) throws -> LuaReturn {
        let file = try call.object(at: 1, as: ReportFile.self)
        try call.checkFieldNames(of: 2, among: writingOptions)
        let separator = try separator(call, at: 2) ?? UInt8(ascii: ",")
        let columns = try givenColumns(call)
        if let columns, try call.booleanField("header", of: 2) ?? true {
            try file.write(Array(CSVWriter.line(columns, separator: separator).utf8))
        }
        call.stack.push(object: CSVRowWriter(file: file, columns: columns, separator: separator))
        return 1
    }

    /// The fields of `encode`'s and `writer`'s options.
    private static let writingOptions = ["columns", "separator", "header"]

    private static func givenColumns(_ call: LuaCall) throws(LuaArgumentError) -> [String]? {
        try call.stringListField("columns", of: 2, listOf: "column names")
    }

    /// The columns of `count` rows when none are given: every name that rows keyed by name use,
    /// sorted; nil for rows that are lists (or no rows).
    static func columns(of rows: Int32, count: Int, on stack: LuaStack) -> [String]? {
        guard count > 0 else { return nil }
        let top = stack.top
        let isList = stack.pushElement(1, of: rows) == .table && stack.pushElement(1, of: -1) != .nil
        stack.top = top
        guard !isList else { return nil }
        // No row has a name (a first row whose first field is nil): lists after all.
        let found = names(in: rows, count: count, on: stack)
        return found.isEmpty ? nil : found
    }

    /// Every string key the rows use, sorted.
    private static func names(in rows: Int32, count: Int, on stack: LuaStack) -> [String] {
        var names = Set<String>()
        for row in 1...count {
            defer { stack.pop() }
            guard stack.pushElement(row, of: rows) == .table else { continue }
            stack.forEachEntry(of: stack.top) { key, _ in
                if stack.type(at: key) == .string, let name = stack.string(at: key) { names.insert(name) }
            }
        }
        return names.sorted()
    }

    /// The value at `index` as a CSV field.
    private static func field(at index: Int32, row: Int, column: String, on stack: LuaStack, argument: Int) throws -> String {
        switch stack.type(at: index) {
        case .nil: return ""
        case .string: return stack.string(at: index) ?? ""
        case .boolean: return stack.boolean(at: index) ? "true" : "false"
        case .number:
            if let integer = stack.integer(at: index), stack.isInteger(at: index) { return String(integer) }
            return stack.number(at: index).map { $0.description } ?? ""
        case .userdata:
            if let decimal = stack.object(at: index, as: DecimalValue.self) { return decimal.value.description }
        default: break
        }
        if stack.rawEquals(index, registryNull(on: stack)) { return "" }
        let place = argument == 1 ? "row \(row), column \(column)" : "column \(column)"
        throw LuaArgumentError.invalid(at: argument, "\(place): a \(stack.type(at: index).description) has no CSV form")
    }

    /// `json.null`'s index, pushed (a null in a row is an empty field).
    private static func registryNull(on stack: LuaStack) -> Int32 {
        _ = stack.pushRegistryValue(JSONLibrary.nullKey)
        return stack.top
    }
}

/// Chunks of an open file, closed at its end or when the reader is dropped.
final class FileChunks {
    private var descriptor: Int32
    static let chunkSize = 256 << 10

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    func next() throws -> [UInt8]? {
        guard descriptor >= 0 else { return nil }
        var chunk = [UInt8](repeating: 0, count: Self.chunkSize)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw FileChunksError(reason: String(cString: strerror(errno))) }
            if count == 0 {
                close(descriptor)
                descriptor = -1
                return nil
            }
            chunk.removeSubrange(count...)
            return chunk
        }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }
}

struct FileChunksError: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}
