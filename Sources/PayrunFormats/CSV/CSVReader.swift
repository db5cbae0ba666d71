// CSV as RFC 4180 writes it, read as it streams: quoted fields, doubled quotes, line breaks inside
// quotes, CRLF or LF, a UTF-8 byte order mark, and `,` `;` or tab between fields (given, or guessed
// from the first line). Memory holds one chunk and the record being read, so a file of any size
// reads in constant space. Strict: a stray quote is an error naming its line and column, not a
// silently different field.

/// Records of CSV text, one at a time.
public struct CSVReader {
    /// The next chunk of the input; nil at its end.
    public typealias Source = () throws -> [UInt8]?

    /// Where the text stops being CSV.
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        public let line: Int
        /// Bytes from the start of the line, from 1.
        public let column: Int
        public let problem: String

        public var description: String { "line \(line), column \(column): \(problem)" }
    }

    /// A record is refused past this size: it is most likely a quote left open.
    public static let maximumRecordBytes = 16 << 20
    /// The separators a guess chooses among.
    public static let guessedSeparators: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t")]

    private var source: Source?
    private var buffer: [UInt8]
    private var position = 0
    private var startChecked = false
    /// The separator between fields: given, or guessed before the first record.
    public private(set) var separator: UInt8?
    /// The line the next record starts on.
    public private(set) var line = 1

    /// Reads chunks from `source` until it returns nil.
    public init(separator: UInt8? = nil, source: @escaping Source) {
        self.source = source
        self.buffer = []
        self.separator = separator
    }

    /// Reads `text`, whole.
    public init(text: [UInt8], separator: UInt8? = nil) {
        self.source = nil
        self.buffer = text
        self.separator = separator
    }

    /// The next record's fields and the line it starts on; nil after the last. Blank lines are
    /// skipped.
    public mutating func next() throws(Failure) -> (fields: [String], line: Int)? {
        while true {
            if !startChecked {
                guard try prepareStart() else { continue }
            }
            switch try record(separator: separator ?? UInt8(ascii: ","), atEnd: source == nil) {
            case .end:
                return nil
            case .needMore:
                try refill()
            case .record(let fields, let end, let lines):
                let start = line
                position = end
                line += lines
                if fields.count == 1 && fields[0].isEmpty { continue }
                return (fields, start)
            }
        }
    }

    // MARK: Reading

    private enum Outcome {
        case record([String], end: Int, lines: Int)
        case needMore
        case end
    }

    private static let quote = UInt8(ascii: "\"")
    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")

    /// One record from `position`, or that the buffer ends before it does.
    private func record(separator: UInt8, atEnd: Bool) throws(Failure) -> Outcome {
        let count = buffer.count
        var i = position
        guard i < count else { return atEnd ? .end : .needMore }
        var fields: [String] = []
        var lines = 0
        var lineStart = position
        while true {
            if i < count && buffer[i] == Self.quote {
                let openColumn = i - lineStart + 1
                let openLine = line + lines
                i += 1
                var value: [UInt8] = []
                while true {
                    guard i < count else {
                        if atEnd { throw Failure(line: openLine, column: openColumn, problem: "a quoted field is never closed") }
                        return try more(openLine: openLine, openColumn: openColumn)
                    }
                    let byte = buffer[i]
                    if byte == Self.quote {
                        if i + 1 == count && !atEnd { return try more(openLine: openLine, openColumn: openColumn) }
                        if i + 1 < count && buffer[i + 1] == Self.quote {
                            value.append(Self.quote)
                            i += 2
                            continue
                        }
                        i += 1
                        break
                    }
                    if byte == Self.lf {
                        lines += 1
                        lineStart = i + 1
                    }
                    value.append(byte)
                    i += 1
                }
                fields.append(String(decoding: value, as: UTF8.self))
                if i == count && !atEnd { return try more(openLine: openLine, openColumn: openColumn) }
                if i < count && buffer[i] == separator {
                    i += 1
                    continue
                }
                if i < count && buffer[i] != Self.cr && buffer[i] != Self.lf {
                    throw Failure(line: line + lines, column: i - lineStart + 1,
                                  problem: "text after a closing quote (a quote inside a quoted field is written twice: \"\")")
                }
            } else {
                let start = i
                while i < count {
                    let byte = buffer[i]
                    if byte == separator || byte == Self.cr || byte == Self.lf { break }
                    if byte == Self.quote {
                        throw Failure(line: line + lines, column: i - lineStart + 1,
                                      problem: "a quote inside an unquoted field (quote the whole field and write the quote twice)")
                    }
                    i += 1
                }
                if i == count && !atEnd { return try more(openLine: line, openColumn: start - lineStart + 1) }
                fields.append(String(decoding: buffer[start..<i], as: UTF8.self))
                if i < count && buffer[i] == separator {
                    i += 1
                    continue
                }
            }
            // The record ends here: at a line break (CRLF, LF or a lone CR) or the input's end.
            if i < count && buffer[i] == Self.cr {
                if i + 1 == count && !atEnd { return .needMore }
                i += 1
                if i < count && buffer[i] == Self.lf { i += 1 }
            } else if i < count && buffer[i] == Self.lf {
                i += 1
            }
            return .record(fields, end: i, lines: lines + 1)
        }
    }

    /// `.needMore`, unless the record has outgrown the limit.
    private func more(openLine: Int, openColumn: Int) throws(Failure) -> Outcome {
        guard buffer.count - position <= Self.maximumRecordBytes else {
            throw Failure(line: openLine, column: openColumn,
                          problem: "a record longer than \(Self.maximumRecordBytes >> 20) MiB starts here (is a quote left open?)")
        }
        return .needMore
    }

    /// Appends the next chunk, dropping what has been read; marks the end when there is none.
    private mutating func refill() throws(Failure) {
        guard let next = source else { return }
        let chunk: [UInt8]?
        do {
            chunk = try next()
        } catch {
            throw Failure(line: line, column: 1, problem: "the input could not be read: \(error)")
        }
        if position > 0 {
            buffer.removeSubrange(0..<position)
            position = 0
        }
        if let chunk { buffer.append(contentsOf: chunk) } else { source = nil }
    }

    /// Drops a byte order mark and guesses the separator; false when more input is needed first.
    private mutating func prepareStart() throws(Failure) -> Bool {
        // The first line whole (outside quotes), or the whole input if it has one line.
        var quoted = false
        var lineEnd: Int?
        for index in position..<buffer.count {
            let byte = buffer[index]
            if byte == Self.quote { quoted.toggle() }
            if !quoted && (byte == Self.lf || byte == Self.cr) {
                lineEnd = index
                break
            }
        }
        if lineEnd == nil && source != nil {
            guard buffer.count - position <= Self.maximumRecordBytes else {
                throw Failure(line: 1, column: 1, problem: "the first line is longer than \(Self.maximumRecordBytes >> 20) MiB")
            }
            try refill()
            return false
        }
        if buffer[position...].starts(with: [0xEF, 0xBB, 0xBF]) { position += 3 }
        if separator == nil {
            var counts: [UInt8: Int] = [:]
            quoted = false
            for byte in buffer[position..<(lineEnd ?? buffer.count)] {
                if byte == Self.quote { quoted.toggle() }
                if !quoted && Self.guessedSeparators.contains(byte) { counts[byte, default: 0] += 1 }
            }
            // The most frequent; a tie, or none, is a comma (listed first).
            var best = Self.guessedSeparators[0]
            for candidate in Self.guessedSeparators.dropFirst() where counts[candidate, default: 0] > counts[best, default: 0] {
                best = candidate
            }
            separator = best
        }
        startChecked = true
        return true
    }
}
