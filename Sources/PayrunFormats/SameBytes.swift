// Byte-for-byte string equality. `==` compares canonical equivalence, under which two strings of
// different bytes can be equal; a cached signature must match what it was computed from byte for
// byte. Walking two UTF-8 views with `elementsEqual` cost about 1,600 instructions for three
// 20-byte strings, a request.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension String {
    /// Whether the two hold the same UTF-8 bytes.
    @inlinable
    public func hasSameBytes(as other: String) -> Bool {
        // Lengths first: a native string knows its own.
        guard utf8.count == other.utf8.count else { return false }
        let compared = utf8.withContiguousStorageIfAvailable { mine in
            other.utf8.withContiguousStorageIfAvailable { theirs in
                mine.isEmpty || memcmp(mine.baseAddress!, theirs.baseAddress!, mine.count) == 0
            }
        }
        if let compared, let same = compared { return same }
        return utf8.elementsEqual(other.utf8)
    }
}
