// The iterator `payrun.csv.rows` and `payrun.csv.file` return: one call, one row, as a table keyed
// by the header's names (or a list), and the line it starts on.
import LuaKit
import PayrunFormats

final class CSVRows {
    /// Where rows' field names come from.
    enum Header {
        /// The first record holds the names.
        case firstRow
        /// None: rows are lists.
        case none
        /// The names given, for a file without a header row.
        case given([String])
    }

    private var reader: CSVReader
    private let header: Header
    private var names: [String]?
    /// The file's name or "csv text", for errors.
    private let source: String

    init(reader: CSVReader, header: Header, source: String) {
        self.reader = reader
        self.header = header
        self.source = source
        if case .given(let names) = header { self.names = names }
    }

    func pushIterator(on stack: LuaStack) {
        stack.push(function: { [self] call in try next(call.stack) })
    }

    /// The next row and its line, or nothing at the end.
    private func next(_ stack: LuaStack) throws -> LuaReturn {
        if case .firstRow = header, names == nil {
            guard let (fields, line) = try read() else { return 0 }
            var seen = Set<String>()
            for name in fields where !seen.insert(name).inserted {
                throw LuaError(.runtime, "\(source): line \(line): the column name '\(name)' appears twice in the header")
            }
            names = fields
        }
        guard let (fields, line) = try read() else { return 0 }
        try stack.reserve(4)
        if let names {
            guard fields.count == names.count else {
                throw LuaError(.runtime, "\(source): line \(line): \(fields.count) fields where the header has \(names.count)")
            }
            stack.pushTable(fieldCapacity: names.count)
            for (name, field) in zip(names, fields) {
                stack.push(field)
                stack.setField(name, in: -2)
            }
        } else {
            stack.pushTable(arrayCapacity: fields.count)
            for (position, field) in fields.enumerated() {
                stack.push(field)
                stack.setElement(position + 1, in: -2)
            }
        }
        stack.push(line)
        return 2
    }

    private func read() throws(LuaError) -> (fields: [String], line: Int)? {
        do {
            return try reader.next()
        } catch {
            throw LuaError(.runtime, "\(source): \(error)")
        }
    }
}
