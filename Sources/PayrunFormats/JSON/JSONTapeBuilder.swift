// Builds a JSONTape as the parser reads: a fixed-size entry per value, the text of strings left
// in the document unless they had escapes, so nothing is allocated per value.

/// The sink that writes a parse into a tape's entries.
struct JSONTapeBuilder: JSONSink {
    /// Where the entries go; written through `written` while `count` is under `capacity`.
    private var entries: JSONTapeEntries
    private var written: UnsafeMutablePointer<JSONTape.Entry>
    private(set) var count = 0
    private var capacity: Int
    /// The unescaped text of strings with escapes; their offsets count from the document's end.
    private(set) var unescaped: [UInt8] = []
    /// The entries of the containers not yet closed, innermost last.
    private var open: [Int] = []
    private let document: UnsafeBufferPointer<UInt8>
    private var documentCount: Int { document.count }
    /// Where the number about to be given as a double was written, when a double does not hold
    /// it exactly: its entry keeps the place, so readers can have the digits as written.
    private var exactNumberStart: Int?
    /// Every number with a fraction or exponent keeps its text, exact as a double or not: for
    /// what is sent on (`12.50` stays `12.50`, not `12.5`).
    private let keepsNumberText: Bool
    var wantsEveryNumberText: Bool { keepsNumberText }

    init(document: UnsafeBufferPointer<UInt8>, keepsNumberText: Bool = false) {
        self.document = document
        self.keepsNumberText = keepsNumberText
        // A page of records takes about one entry for every nine bytes; a document can take no
        // more than one for every two (each value but the first follows a `[`, `,` or `:`).
        capacity = document.count / 6 + 4
        entries = JSONTapeEntries.make(capacity: capacity)
        written = entries.base
        // Answers nest a few levels: grown from empty, the stack was made twice for one.
        open.reserveCapacity(8)
    }

    @inline(__always)
    private mutating func append(_ kind: JSONTape.Kind, count length: Int = 0, payload: UInt64 = 0) {
        if _slowPath(count == capacity) { grow() }
        (written + count).initialize(to: JSONTape.Entry(tag: UInt64(kind.rawValue) | UInt64(length) << 4, payload: payload))
        count += 1
    }

    @inline(never)
    private mutating func grow() {
        capacity = max(capacity * 2, document.count / 2 + 1)
        entries = entries.grown(keeping: count, toAtLeast: capacity)
        written = entries.base
    }

    /// The entries written, for the tape to read from now on.
    func finish() -> JSONTapeEntries {
        entries.finish(count: count)
        return entries
    }

    @inline(__always)
    mutating func null() { append(.null) }
    @inline(__always)
    mutating func bool(_ value: Bool) { append(value ? .true : .false) }
    @inline(__always)
    mutating func integer(_ value: Int) { append(.integer, payload: UInt64(bitPattern: Int64(value))) }
    mutating func number(_ value: Double) {
        // A number's count holds 1 + the offset of its text when the double is not exact.
        append(.number, count: exactNumberStart.map { $0 + 1 } ?? 0, payload: value.bitPattern)
        exactNumberStart = nil
    }

    mutating func preciseNumber(_ text: UnsafeBufferPointer<UInt8>) -> JSONPreciseNumber {
        if keepsNumberText || !JSONNumberText.isExactDouble(String(decoding: text, as: UTF8.self)), let start = text.baseAddress, let base = document.baseAddress {
            exactNumberStart = start - base
        }
        return .rounded
    }

    @inline(__always)
    mutating func string(_ bytes: UnsafeRawBufferPointer, documentOffset: Int?) {
        if let documentOffset { return append(.string, count: bytes.count, payload: UInt64(documentOffset)) }
        unescapedString(bytes)
    }

    @inline(never)
    private mutating func unescapedString(_ bytes: UnsafeRawBufferPointer) {
        append(.string, count: bytes.count, payload: UInt64(documentCount + unescaped.count))
        unescaped.append(contentsOf: bytes)
    }

    @inline(__always)
    mutating func beginArray() -> JSONRefusal? {
        open.append(count)
        append(.array)
        return nil
    }

    @inline(__always)
    mutating func element(_ position: Int) -> JSONRefusal? { nil }

    @inline(__always)
    mutating func endArray(count: Int) { close(.array, count: count) }

    @inline(__always)
    mutating func beginObject() -> JSONRefusal? {
        open.append(count)
        append(.object)
        return nil
    }

    @inline(__always)
    mutating func member() -> JSONRefusal? { nil }

    @inline(__always)
    mutating func endObject(count: Int) { close(.object, count: count) }

    /// Fills in the innermost container's entry once its members are known.
    private mutating func close(_ kind: JSONTape.Kind, count: Int) {
        let container = open.removeLast()
        written[container] = JSONTape.Entry(tag: UInt64(kind.rawValue) | UInt64(count) << 4, payload: UInt64(self.count))
    }
}
