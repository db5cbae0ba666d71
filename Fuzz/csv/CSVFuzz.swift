// libFuzzer target: Capitalist's CSV replies as the client reads them (CapitalistCSVReply). The
// first byte picks the operation (none, or one with known columns); reading never crashes, and a
// reply with code 0 gives one record per non-empty line after the first.
import PayrunFormats

private let operations: [String?] = [nil] + CapitalistCSVColumns.byOperation.keys.sorted()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let operation = operations[Int(data[0]) % operations.count]
    let body = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    guard case .data(let value)? = try? CapitalistCSVReply.read(body, operation: operation) else { return 0 }
    let lines = String(decoding: body, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    if operation == nil || operation == "get_accounts" || operation == "currency_rates" {
        let member = operation.flatMap { CapitalistCSVColumns.byOperation[$0]?.member } ?? "records"
        guard case .array(let records)? = value[member], records.count == lines.count - 1 else {
            fatalError("\(lines.count - 1) records read as \(value)")
        }
    }
    return 0
}
