// Where `payrun.json.decode` builds: tables straight on the script's stack as the one JSON parser
// reads, with no tree in between. Objects become plain tables, arrays tables with the array
// metatable (so `[]` stays an array), `null` the null sentinel; integers that fit in 64 bits stay
// integers.
import LuaKit
import PayrunFormats

struct LuaJSONSink: JSONSink {
    let stack: LuaStack
    /// Stack index of the null sentinel.
    let nullIndex: Int32
    /// Stack index of the metatable that marks arrays.
    let arrayMetatableIndex: Int32
    /// What becomes of a number a double cannot hold as written.
    var bigNumbers = BigNumbers.decimal

    /// `json.decode`'s `big_numbers` option.
    enum BigNumbers: String {
        /// A `payrun.decimal` with the digits as written (the default): money never loses digits.
        case decimal
        /// Refused, with the number's offset.
        case error
        /// Rounded to the nearest float, as asked.
        case float
    }

    /// What the parse is stopped with when the document outgrows the script's memory limit:
    /// the host's own pushes pass the cap, so the host watches it itself.
    private static let tooLarge = JSONRefusal(
        expected: "a document that fits in the script's memory limit", found: "not enough memory")

    mutating func null() { stack.pushCopy(of: nullIndex) }
    mutating func bool(_ value: Bool) { stack.push(value) }
    mutating func integer(_ value: Int) { stack.push(value) }
    mutating func number(_ value: Double) { stack.push(value) }

    mutating func preciseNumber(_ text: UnsafeBufferPointer<UInt8>) -> JSONPreciseNumber {
        let written = String(decoding: text, as: UTF8.self)
        // A float written with all its digits (`0.30000000000000004`, `2.2250738585072014e-308`)
        // is that float exactly: it stays one.
        if JSONNumberText.isExactDouble(written) { return .rounded }
        switch bigNumbers {
        case .float:
            return .rounded
        case .error:
            return .refused(JSONRefusal(
                expected: "a number a float holds exactly (this one has more digits; {big_numbers = \"decimal\"} reads it as a payrun.decimal)",
                found: written))
        case .decimal:
            guard let decimal = DecimalNumber(written) else {
                return .refused(JSONRefusal(expected: "a number payrun.decimal can hold (38 significant digits)", found: written))
            }
            stack.push(object: DecimalValue(decimal))
            return .taken
        }
    }

    mutating func string(_ bytes: UnsafeRawBufferPointer, documentOffset: Int?) {
        stack.push(bytes: bytes)
    }

    mutating func beginArray() -> JSONRefusal? {
        guard (try? stack.reserve(4)) != nil, !stack.isOverMemoryLimit else { return Self.tooLarge }
        stack.pushTable()
        stack.pushCopy(of: arrayMetatableIndex)
        stack.setMetatable(of: -2)
        return nil
    }

    mutating func element(_ position: Int) -> JSONRefusal? {
        stack.setElement(position, in: -2)
        return stack.isOverMemoryLimit ? Self.tooLarge : nil
    }

    mutating func endArray(count: Int) {}

    mutating func beginObject() -> JSONRefusal? {
        guard (try? stack.reserve(4)) != nil, !stack.isOverMemoryLimit else { return Self.tooLarge }
        stack.pushTable()
        return nil
    }

    mutating func member() -> JSONRefusal? {
        // A member's name is a string: the key is never nil or NaN.
        try! stack.setEntry(in: -3)
        return stack.isOverMemoryLimit ? Self.tooLarge : nil
    }

    mutating func endObject(count: Int) {}
}
