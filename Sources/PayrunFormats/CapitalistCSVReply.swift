// Capitalist's CSV replies read into the same values as its JSON ones: `code;message` on the first
// line, then records whose columns each operation fixes (CapitalistCSVColumns). Kept free of the
// client's types so the reading can be fuzzed on its own (Fuzz/csv).

/// What a CSV reply says: its data, or the error code and text it answered with.
public enum CapitalistCSVReply: Equatable, Sendable {
    /// Code 0: `data` as the JSON reply would have it: `{accounts = {{number = ..., ...}, ...}}` for
    /// `get_accounts`; records of an operation without known columns as lists of fields.
    case data(JSONValue)
    /// A code other than 0, with the text after it.
    case error(code: Int, text: String)

    public enum Failure: Error, Equatable, Sendable {
        case empty
        /// The first line does not start with a code; the first bytes of it, for the message.
        case notCSV(firstLine: String)
    }

    public static func read(_ body: [UInt8], operation: String?) throws(Failure) -> CapitalistCSVReply {
        let lines = String(decoding: body, as: UTF8.self).split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        guard let first = lines.first else { throw .empty }
        let head = first.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)
        guard let code = Int(head[0]) else { throw .notCSV(firstLine: String(first.prefix(80))) }
        guard code == 0 else { return .error(code: code, text: head.count > 1 ? String(head[1]) : "") }
        let records = lines.dropFirst().map { $0.split(separator: ";", omittingEmptySubsequences: false).map(String.init) }
        guard let operation, let layout = CapitalistCSVColumns.byOperation[operation] else {
            return .data(.object(["records": .array(records.map { .array($0.map { .string($0) }) })]))
        }
        let objects = records.map { fields in
            JSONValue.object(Dictionary(zip(layout.columns, fields).map { name, value in
                (name, CapitalistCSVColumns.integers.contains(name) ? Int(value).map(JSONValue.integer) ?? .string(value) : .string(value))
            }, uniquingKeysWith: { $1 }))
        }
        // Operations answering one object (a token, a batch) answer it as `data` itself.
        if ["get_token", "import_batch_advanced", "process_batch"].contains(operation) { return .data(objects.first ?? .object([:])) }
        return .data(.object([layout.member: .array(objects)]))
    }
}
