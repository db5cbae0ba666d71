// A parsed JSON document kept flat: one array of fixed-size entries over the document's own
// bytes, built without an allocation per value. A page of a thousand transactions parses several
// times faster this way than into nested JSONValues, and a consumer (Lua, a JSONValue) builds its
// own values straight from the entries, so nothing is built twice.
#if canImport(Glibc)
import Glibc
#endif

/// A JSON document parsed into a flat list of entries by ``JSONParser`` (RFC 8259, strictly:
/// the same rules and messages as ``JSONValue/parse(_:)``, which is built on it, and as
/// `payrun.json.decode`).
public struct JSONTape: Sendable {
    /// The document's bytes, then the unescaped text of the strings that had escapes.
    @usableFromInline let text: [UInt8]
    /// Each value in document order; a container's members follow it, a name before each value.
    /// Never written after the parse (a ManagedBuffer cannot be declared Sendable).
    @usableFromInline nonisolated(unsafe) let entries: JSONTapeEntries

    @usableFromInline
    struct Entry: Sendable {
        /// The kind in the low 4 bits; above them a string's length or a container's count.
        @usableFromInline var tag: UInt64
        /// An integer's or a number's bits, a string's offset in `text`, or the index after a
        /// container's last member.
        @usableFromInline var payload: UInt64

        @inlinable init(tag: UInt64, payload: UInt64) {
            self.tag = tag
            self.payload = payload
        }
    }

    /// What an entry holds.
    public enum Kind: UInt8, Sendable {
        case null, `false`, `true`, integer, number, string, array, object
    }

    /// Parses one JSON value and nothing after it but white space.
    /// - Throws: `JSONParseError` saying where the text stops being JSON.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONTape {
        try parse(bytes, keepingNumberText: false)
    }

    /// ``parse(_:)``; with `keepingNumberText`, every number with a fraction or an exponent keeps
    /// its text (``Node/exactNumberText(at:)``), not only one a double cannot hold: for a
    /// document sent on as it was written.
    public static func parse(_ bytes: some Collection<UInt8>, keepingNumberText: Bool) throws(JSONParseError) -> JSONTape {
        var text = Array(bytes)
        let builder = try text.withUnsafeBufferPointer { (document) throws(JSONParseError) in
            var parser = JSONParser(
                document: document, sink: JSONTapeBuilder(document: document, keepsNumberText: keepingNumberText), maximumDepth: maximumDepth)
            try parser.parse()
            return parser.sink
        }
        // Only when there is something to add: appending even nothing to the answer's own bytes,
        // which the text shares, copied them.
        if !builder.unescaped.isEmpty { text.append(contentsOf: builder.unescaped) }
        return JSONTape(text: text, entries: builder.finish())
    }

    /// Documents nested deeper than this are refused (providers' answers are shallow).
    public static let maximumDepth = 512

    /// The document's value.
    public var root: Node { Node(tape: self, index: 0) }

    /// About how much memory the tape holds: its text and its entries.
    public var byteCount: Int { text.count + entries.count * MemoryLayout<Entry>.stride }

    /// Reads the entries directly, for building other values from them without copies; the
    /// reader is valid only inside `body`.
    @inlinable
    public func withReader<Value, Failure: Error>(_ body: (Reader) throws(Failure) -> Value) throws(Failure) -> Value {
        // Array's pointer methods rethrow untyped errors; the outcome carries the typed one out.
        var outcome: Result<Value, Failure>?
        withExtendedLifetime(entries) {
            text.withUnsafeBytes { text in
                outcome = Result { () throws(Failure) in try body(Reader(entries: entries.buffer, text: text)) }
            }
        }
        return try outcome!.get()
    }

    /// Entries by index: what a value is, and where the next one starts.
    public struct Reader {
        @usableFromInline let entries: UnsafeBufferPointer<Entry>
        @usableFromInline let text: UnsafeRawBufferPointer

        @inlinable init(entries: UnsafeBufferPointer<Entry>, text: UnsafeRawBufferPointer) {
            self.entries = entries
            self.text = text
        }

        @inlinable public func kind(at index: Int) -> Kind {
            Kind(rawValue: UInt8(truncatingIfNeeded: entries[index].tag & 0xF))!
        }

        /// A string's length in bytes, or a container's number of elements or members.
        @inlinable public func count(at index: Int) -> Int {
            Int(truncatingIfNeeded: entries[index].tag >> 4)
        }

        /// The index of the value after this one and all it contains.
        @inlinable public func next(after index: Int) -> Int {
            switch kind(at: index) {
            case .array, .object: Int(truncatingIfNeeded: entries[index].payload)
            default: index + 1
            }
        }

        @inlinable public func integer(at index: Int) -> Int {
            Int(truncatingIfNeeded: Int64(bitPattern: entries[index].payload))
        }

        @inlinable public func number(at index: Int) -> Double {
            Double(bitPattern: entries[index].payload)
        }

        /// A number's text as written when the double ``number(at:)`` gives is not exactly it (an
        /// integer past 64 bits, more digits than a double keeps); nil when the double is exact.
        public func exactNumberText(at index: Int) -> String? {
            guard kind(at: index) == .number, count(at: index) > 0 else { return nil }
            let start = count(at: index) - 1
            var end = start
            while end < text.count, Self.isNumberByte(text[end]) { end += 1 }
            return String(decoding: UnsafeRawBufferPointer(rebasing: text[start..<end]), as: UTF8.self)
        }

        private static func isNumberByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): true
            default: false
            }
        }

        /// A string's UTF-8 bytes (a member name is a string).
        @inlinable public func bytes(at index: Int) -> UnsafeRawBufferPointer {
            let start = Int(truncatingIfNeeded: entries[index].payload)
            return UnsafeRawBufferPointer(rebasing: text[start..<start + count(at: index)])
        }
    }

    /// One value of the document.
    public struct Node: Sendable {
        public let tape: JSONTape
        public let index: Int

        public var kind: Kind { tape.withReader { $0.kind(at: index) } }

        /// The elements of an array or members of an object; 0 for anything else.
        public var count: Int {
            switch kind {
            case .array, .object: tape.withReader { $0.count(at: index) }
            default: 0
            }
        }

        /// An object's member called `key` (the last, if repeated), or nil.
        public subscript(key: String) -> Node? {
            guard kind == .object else { return nil }
            var key = key
            return key.withUTF8 { wanted in
                tape.withReader { reader in
                    var found: Int?
                    var child = index + 1
                    for _ in 0..<reader.count(at: index) {
                        let value = child + 1
                        // Compared whole, not byte by byte through `elementsEqual`: a provider
                        // looks up its envelope's keys in every answer.
                        let name = reader.bytes(at: child)
                        if name.count == wanted.count, name.isEmpty || memcmp(name.baseAddress!, wanted.baseAddress!, wanted.count) == 0 {
                            found = value
                        }
                        child = reader.next(after: value)
                    }
                    return found.map { Node(tape: tape, index: $0) }
                }
            }
        }

        /// Calls `body` with each member of an object in order: its name's bytes (valid only
        /// during the call) and its value; nothing for anything else. One pass for a reader
        /// after several members, where each subscript walks the members again.
        public func forEachMember(_ body: (UnsafeRawBufferPointer, Node) -> Void) {
            guard kind == .object else { return }
            tape.withReader { reader in
                var child = index + 1
                for _ in 0..<reader.count(at: index) {
                    let value = child + 1
                    body(reader.bytes(at: child), Node(tape: tape, index: value))
                    child = reader.next(after: value)
                }
            }
        }

        /// An array's elements in order; none for anything else.
        public var elements: [Node] {
            guard kind == .array else { return [] }
            return tape.withReader { reader in
                var nodes: [Node] = []
                nodes.reserveCapacity(reader.count(at: index))
                var child = index + 1
                for _ in 0..<reader.count(at: index) {
                    nodes.append(Node(tape: tape, index: child))
                    child = reader.next(after: child)
                }
                return nodes
            }
        }

        public var integer: Int? { kind == .integer ? tape.withReader { $0.integer(at: index) } : nil }

        public var string: String? {
            kind == .string ? tape.withReader { String(decoding: $0.bytes(at: index), as: UTF8.self) } : nil
        }

        public var bool: Bool? {
            switch kind {
            case .true: true
            case .false: false
            default: nil
            }
        }

        /// The value as a JSONValue.
        public var value: JSONValue {
            tape.withReader { $0.value(at: index) }
        }
    }
}

extension JSONTape.Reader {
    /// The value at `index` as a JSONValue.
    public func value(at index: Int) -> JSONValue {
        switch kind(at: index) {
        case .null: return .null
        case .false: return .bool(false)
        case .true: return .bool(true)
        case .integer: return .integer(integer(at: index))
        case .number: return exactNumberText(at: index).map(JSONValue.exactNumber) ?? .number(number(at: index))
        case .string: return .string(String(decoding: bytes(at: index), as: UTF8.self))
        case .array:
            var items: [JSONValue] = []
            items.reserveCapacity(count(at: index))
            var child = index + 1
            for _ in 0..<count(at: index) {
                items.append(value(at: child))
                child = next(after: child)
            }
            return .array(items)
        case .object:
            var members: [String: JSONValue] = [:]
            members.reserveCapacity(count(at: index))
            var child = index + 1
            for _ in 0..<count(at: index) {
                // A repeated name keeps its last value, as most parsers do.
                members[String(decoding: bytes(at: child), as: UTF8.self)] = value(at: child + 1)
                child = next(after: child + 1)
            }
            return .object(members)
        }
    }
}
