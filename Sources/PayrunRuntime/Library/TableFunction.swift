// `payrun.table(rows [, options])`: rows as aligned columns under a header, numbers and decimals
// right-aligned so amounts line up on their last digit, for reports read on a terminal.
import LuaKit

enum TableFunction {
    /// `payrun.table(rows [, {columns = {...}, align = {name = "left"|"right"}, header = true}])`:
    /// the text, lines ending in "\n". Named rows show `columns` (every name they use, sorted,
    /// when not given); list rows show their fields.
    static func table(_ call: LuaCall) throws -> LuaReturn {
        try call.check(.table, at: 1)
        let stack = call.stack
        let rows = call.index(of: 1)
        let count = stack.rawLength(at: rows)
        try call.checkFieldNames(of: 2, among: ["columns", "align", "header"])
        let columns = try call.stringListField("columns", of: 2, listOf: "column names") ?? CSVLibrary.columns(of: rows, count: count, on: stack)
        let showsHeader = try call.booleanField("header", of: 2) ?? true
        var aligned: [String: Bool] = [:]  // name → right-aligned
        _ = try call.withField("align", of: 2) { (index, type) throws(LuaArgumentError) -> Bool? in
            guard type != .nil else { return nil }
            guard type == .table else { throw .invalid(at: 2, "field 'align' must map column names to \"left\" or \"right\"") }
            var problem = false
            stack.forEachEntry(of: index) { key, value in
                guard let name = stack.string(at: key), stack.type(at: key) == .string, let side = stack.string(at: value),
                    side == "left" || side == "right" else { return problem = true }
                aligned[name] = side == "right"
            }
            if problem { throw .invalid(at: 2, "field 'align' must map column names to \"left\" or \"right\"") }
            return true
        }
        try stack.reserve(4)
        // Cells as text, and whether each is a number (right-aligned unless told otherwise).
        var cells: [[(text: String, numeric: Bool)]] = []
        for row in 1...max(count, 1) where count > 0 {
            guard stack.pushElement(row, of: rows) == .table else {
                throw LuaArgumentError.invalid(at: 1, "row \(row) is a \(stack.type(at: -1).description), not a table")
            }
            let table = stack.top
            var line: [(String, Bool)] = []
            let width = columns?.count ?? stack.rawLength(at: table)
            for position in 0..<width {
                if let columns { _ = stack.pushField(columns[position], of: table) } else { _ = stack.pushElement(position + 1, of: table) }
                var numeric = stack.type(at: -1) == .number || stack.object(at: -1, as: DecimalValue.self) != nil
                let text: String
                if stack.type(at: -1) == .nil {
                    text = ""
                } else {
                    try stack.pushConvertedToString(at: -1)
                    text = stack.string(at: -1) ?? ""
                    // An amount in a string (Capitalist's balances) lines up as a number does.
                    if stack.type(at: -2) == .string { numeric = text.isPlainAmount }
                    stack.pop()
                }
                stack.pop()
                line.append((text.replacingNewlines(), numeric))
            }
            stack.pop()
            cells.append(line)
        }
        let header = columns ?? []
        let columnCount = max(header.count, cells.map(\.count).max() ?? 0)
        var widths = [Int](repeating: 0, count: columnCount)
        var rightAligned = [Bool](repeating: true, count: columnCount)
        for (index, name) in header.enumerated() where showsHeader { widths[index] = name.count }
        for line in cells {
            for (index, cell) in line.enumerated() {
                widths[index] = max(widths[index], cell.text.count)
                if !cell.numeric && !cell.text.isEmpty { rightAligned[index] = false }
            }
        }
        for (index, name) in header.enumerated() { if let right = aligned[name] { rightAligned[index] = right } }
        func render(_ texts: [String]) -> String {
            var line = ""
            for (index, text) in texts.enumerated() {
                let padding = String(repeating: " ", count: widths[index] - text.count)
                let cell = rightAligned[index] ? padding + text : text + (index == texts.count - 1 ? "" : padding)
                line += (index == 0 ? "" : "  ") + cell
            }
            while line.hasSuffix(" ") { line.removeLast() }
            return line + "\n"
        }
        var text = ""
        if showsHeader && !header.isEmpty {
            text += render(header)
            text += render(widths.map { String(repeating: "-", count: $0) })
        }
        for line in cells { text += render(line.map(\.text) + [String](repeating: "", count: columnCount - line.count)) }
        stack.push(text)
        return 1
    }
}

extension String {
    /// `12.50`, `-3`, `1000`: digits, with a minus before them and a point between them at most.
    fileprivate var isPlainAmount: Bool {
        let unsigned = hasPrefix("-") ? dropFirst() : Substring(self)
        let parts = unsigned.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        return parts.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } }
    }

    /// One line per row: a line break inside a cell would break the columns.
    fileprivate func replacingNewlines() -> String {
        String(unicodeScalars.map { $0 == "\n" || $0 == "\r" || $0 == "\t" ? " " : Character($0) })
    }
}
