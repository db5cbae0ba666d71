// What `payrun.csv.writer(payrun.output(name), options)` returns: `w:write(row)` appends one row
// to the report as it comes, so a report of a million rows never sits in memory as one string.
import LuaKit
import PayrunFormats

final class CSVRowWriter: LuaObject {
    static let luaTypeName = "payrun.csv.writer"

    private let file: ReportFile
    private let columns: [String]?
    private let separator: UInt8
    private var rows = 0

    init(file: ReportFile, columns: [String]?, separator: UInt8) {
        self.file = file
        self.columns = columns
        self.separator = separator
    }

    static var luaMethods: [LuaRegistration] { [
        LuaRegistration("write") { call in
            let writer = try call.object(at: 1, as: CSVRowWriter.self)
            try call.check(.table, at: 2)
            writer.rows += 1
            let fields = try CSVLibrary.fields(of: call.index(of: 2), row: writer.rows, columns: writer.columns, on: call.stack, argument: 2)
            try writer.file.write(Array(CSVWriter.line(fields, separator: writer.separator).utf8))
            call.stack.pushCopy(of: call.index(of: 1))
            return 1
        },
    ] }
}
