// payrun's one JSON writer: the simulators' answers (thousands of searches a second, where
// Codable would cost more than the rest of the request), request bodies, and `payrun.json.encode`
// all write through it, so escaping, numbers and layout follow one set of rules.

/// Appends JSON to a byte array, placing commas (and, when indenting, line breaks) itself.
///
/// The rules: strings escape `"`, `\`, the control characters and DEL (`\n`, `\r`, `\t`, the
/// rest as `\u00XX`) and keep other UTF-8 as it is; integers are written exactly; floats in the
/// shortest form that reads back as the same double; NaN and the infinities, which JSON has no
/// form for, as `null` (`payrun.json.encode` refuses them before they get here, since in a
/// script they are a mistake to report).
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// Spaces per level of nesting, each value on a line of its own; nil for one line.
    public let indent: Int?
    private var needsComma = false
    /// A member's name was just written: its value follows on the same line, with no comma.
    private var afterKey = false
    private var depth = 0
    /// Whether the innermost open container has a value yet (its closing bracket then goes on
    /// a line of its own).
    private var containerHasValues = false

    public init(capacity: Int = 256, indent: Int? = nil) {
        bytes.reserveCapacity(capacity)
        self.indent = indent
    }

    // MARK: Containers

    public mutating func openObject() {
        open(UInt8(ascii: "{"))
    }

    public mutating func closeObject() {
        close(UInt8(ascii: "}"))
    }

    public mutating func openArray() {
        open(UInt8(ascii: "["))
    }

    public mutating func closeArray() {
        close(UInt8(ascii: "]"))
    }

    /// A member's name; its value is written next.
    public mutating func key(_ name: String) {
        separate()
        quote(name)
        colon()
    }

    /// A member's name given as UTF-8 bytes; the caller has checked they are valid UTF-8.
    public mutating func key<Bytes: Collection<UInt8>>(utf8 name: Bytes) {
        separate()
        quote(utf8: name)
        colon()
    }

    // MARK: Scalars

    public mutating func string(_ value: String) {
        separate()
        quote(value)
        needsComma = true
    }

    /// A string given as UTF-8 bytes; the caller has checked they are valid UTF-8 (JSON text
    /// must be).
    public mutating func string<Bytes: Collection<UInt8>>(utf8 value: Bytes) {
        separate()
        quote(utf8: value)
        needsComma = true
    }

    public mutating func integer(_ value: Int) {
        separate()
        appendDigits(value)
        needsComma = true
    }

    public mutating func number(_ value: Double) {
        separate()
        // Swift's description is the shortest text that reads back as the same Double.
        bytes.append(contentsOf: (value.isFinite ? value.description : "null").utf8)
        needsComma = true
    }

    /// `seconds` since 1970 as a quoted ISO 8601 UTC time, `"2015-10-19T11:04:18Z"`.
    public mutating func time(_ seconds: Int) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        UTCTime.write(seconds, into: &bytes)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// A value already written as JSON (a record kept as text, a decimal's exact digits).
    public mutating func raw<Bytes: Collection<UInt8>>(_ json: Bytes) {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
        needsComma = true
    }

    // MARK: Members and values

    /// `name: value`, or nothing when `value` is nil.
    public mutating func field(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    public mutating func field(_ name: String, _ value: Int) {
        key(name)
        integer(value)
    }

    public mutating func field(time name: String, _ seconds: Int) {
        key(name)
        time(seconds)
    }

    public mutating func field(_ name: String, _ value: JSONValue) {
        key(name)
        self.value(value)
    }

    /// A whole value, objects' members in the order of their names.
    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let flag): bool(flag)
        case .integer(let number): integer(number)
        case .number(let number): self.number(number)
        case .exactNumber(let text): raw(text.utf8)
        case .string(let text): string(text)
        case .array(let items):
            openArray()
            for item in items { self.value(item) }
            closeArray()
        case .object(let members):
            openObject()
            for name in members.keys.sorted() {
                key(name)
                self.value(members[name]!)
            }
            closeObject()
        }
    }

    // MARK: Layout

    private mutating func open(_ bracket: UInt8) {
        separate()
        bytes.append(bracket)
        depth += 1
        needsComma = false
        containerHasValues = false
    }

    private mutating func close(_ bracket: UInt8) {
        depth -= 1
        if containerHasValues { newline() }
        bytes.append(bracket)
        needsComma = true
        // The container just closed is a value of the one around it.
        containerHasValues = true
    }

    private mutating func colon() {
        bytes.append(UInt8(ascii: ":"))
        if indent != nil { bytes.append(UInt8(ascii: " ")) }
        needsComma = false
        afterKey = true
    }

    /// What goes before a value or a name: nothing after a name, else a comma after a sibling
    /// and, when indenting inside a container, a new line.
    private mutating func separate() {
        if afterKey {
            afterKey = false
            return
        }
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        if depth > 0 {
            containerHasValues = true
            newline()
        }
    }

    private mutating func newline() {
        guard let indent else { return }
        bytes.append(UInt8(ascii: "\n"))
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * depth))
    }

    // MARK: Text

    private mutating func appendDigits(_ value: Int) {
        guard value != 0 else { return bytes.append(UInt8(ascii: "0")) }
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        let start = bytes.count
        var rest = value.magnitude
        while rest > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        }
        bytes[start...].reverse()
    }

    private mutating func quote(_ text: String) {
        var text = text
        // The bytes of a native string are contiguous: scan and copy them as a buffer, not
        // through the generic UTF8View, which costs more than the rest of a page.
        text.withUTF8 { quote(utf8: $0) }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Whether `byte` must be escaped inside a JSON string (by the rules above).
    @inline(__always)
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == 0x7F
    }

    private mutating func quote<Bytes: Collection<UInt8>>(utf8: Bytes) {
        bytes.append(UInt8(ascii: "\""))
        if !utf8.contains(where: Self.needsEscape) {
            bytes.append(contentsOf: utf8)
        } else {
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case 0..<0x20, 0x7F:
                    bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                    bytes.append(Self.hexDigits[Int(byte >> 4)])
                    bytes.append(Self.hexDigits[Int(byte & 0xF)])
                default: bytes.append(byte)
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
