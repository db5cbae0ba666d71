// Capitalist's CSV replies read into the same values as its JSON ones: `code;message` on the first
// line, then records whose columns each operation fixes (CapitalistCSVColumns).
import PayrunFormats
import PayrunProviderKit

enum CapitalistCSV {
    /// `data` as the JSON reply would have it: `{accounts = {{number = ..., ...}, ...}}` for
    /// `get_accounts`; records of an operation without known columns as lists of fields.
    static func result(of body: [UInt8], operation: String?, provider: String) throws(ProviderError) -> JSONValue {
        let lines = String(decoding: body, as: UTF8.self).split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        guard let first = lines.first else { throw ProviderError(provider: provider, message: "an empty reply") }
        let head = first.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)
        guard let code = Int(head[0]) else {
            throw ProviderError(provider: provider, message: "the reply is neither Capitalist's JSON nor its CSV; the first bytes: " + String(first.prefix(80)))
        }
        guard code == 0 else {
            throw CapitalistProvider.error(code: code, text: head.count > 1 ? String(head[1]) : "", provider: provider)
        }
        let records = lines.dropFirst().map { $0.split(separator: ";", omittingEmptySubsequences: false).map(String.init) }
        guard let operation, let layout = CapitalistCSVColumns.byOperation[operation] else {
            return .object(["records": .array(records.map { .array($0.map { .string($0) }) })])
        }
        let objects = records.map { fields in
            JSONValue.object(Dictionary(zip(layout.columns, fields).map { name, value in
                (name, CapitalistCSVColumns.integers.contains(name) ? Int(value).map(JSONValue.integer) ?? .string(value) : .string(value))
            }, uniquingKeysWith: { $1 }))
        }
        // Operations answering one object (a token, a batch) answer it as `data` itself.
        if ["get_token", "import_batch_advanced", "process_batch"].contains(operation) { return objects.first ?? .object([:]) }
        return .object([layout.member: .array(objects)])
    }
}
