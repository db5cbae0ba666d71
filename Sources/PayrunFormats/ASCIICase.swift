// Case folding for the ASCII names of protocols (header names, schemes, host names): a byte at a
// time. `String.lowercased()` is Unicode-aware and allocates, and ran dozens of times a request.

extension StringProtocol {
    /// Whether the two are the same once ASCII letters are folded to one case; any other byte
    /// must match exactly.
    @inlinable
    public func equalsIgnoringASCIICase(_ other: some StringProtocol) -> Bool {
        // Lengths first: most names compared differ in length, and a native string knows its own.
        guard utf8.count == other.utf8.count else { return false }
        // Native strings compare as the bytes they hold; walking the UTF-8 views costs several
        // times as much, and header names are compared a dozen times a request.
        let contiguous = utf8.withContiguousStorageIfAvailable { mine in
            other.utf8.withContiguousStorageIfAvailable { theirs in
                zip(mine, theirs).allSatisfy { Self.sameIgnoringASCIICase($0, $1) }
            }
        }
        if let contiguous, let same = contiguous { return same }
        return utf8.elementsEqual(other.utf8) { Self.sameIgnoringASCIICase($0, $1) }
    }

    /// Whether two bytes are the same once ASCII letters are folded to one case; for names
    /// compared as bytes, where no `String` is made.
    @inlinable
    public static func sameIgnoringASCIICase(_ byte: UInt8, _ other: UInt8) -> Bool {
        byte == other || ((byte | 0x20) == (other | 0x20) && (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z"))
    }

    /// ASCII letters folded to lower case, the rest as is; the string itself when nothing changes.
    @inlinable
    public var asciiLowercased: String {
        guard utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else { return String(self) }
        return String(decoding: utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
