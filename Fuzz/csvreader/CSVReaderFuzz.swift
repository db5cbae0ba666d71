// libFuzzer target: payrun.csv's reader (PayrunFormats' CSVReader) and writer. The first byte
// picks a chunk size (1 to 64) and the rest is the text. Reading never crashes; reading the text
// in chunks of that size gives exactly what reading it whole gives (records, lines, or the same
// error at the same place); and what it reads, written by CSVWriter, reads back the same.
import PayrunFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSVReader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let chunkSize = Int(data[0] % 64) + 1
    let text = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    var whole = CSVReader(text: text)
    let expected = readAll(&whole)
    var offset = 0
    var streamed = CSVReader {
        guard offset < text.count else { return nil }
        defer { offset += chunkSize }
        return Array(text[offset..<min(offset + chunkSize, text.count)])
    }
    let got = readAll(&streamed)
    guard got == expected else { fatalError("read in chunks of \(chunkSize): \(got), whole: \(expected)") }
    guard case .success(let records) = expected, let separator = whole.separator else { return 0 }
    let written = records.map { CSVWriter.line($0.fields, separator: separator) }.joined()
    var again = CSVReader(text: Array(written.utf8), separator: separator)
    guard case .success(let reread) = readAll(&again), reread.map(\.fields) == records.map(\.fields) else {
        fatalError("written as \(written.debugDescription), read back differently")
    }
    return 0
}

private struct Record: Equatable {
    let fields: [String]
    let line: Int
}

private func readAll(_ reader: inout CSVReader) -> Result<[Record], CSVReader.Failure> {
    var records: [Record] = []
    do {
        while let (fields, line) = try reader.next() { records.append(Record(fields: fields, line: line)) }
        return .success(records)
    } catch {
        return .failure(error)
    }
}
