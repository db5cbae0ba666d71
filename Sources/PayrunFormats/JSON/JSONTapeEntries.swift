// A tape's entries in memory of their own, written through a pointer as the parser goes. An array
// checked, at each of the twenty-odd values of a record, that it was not shared before appending
// (a call into the runtime each time): a fifth of a page's parse. One allocation, as an array's:
// the count in the header, the entries after it.

/// The entries of one parsed document: written once by ``JSONTapeBuilder``, read only after.
@usableFromInline
final class JSONTapeEntries: ManagedBuffer<Int, JSONTape.Entry> {
    /// Room for at least `capacity` entries, none written.
    static func make(capacity: Int) -> JSONTapeEntries {
        unsafeDowncast(create(minimumCapacity: max(capacity, 4)) { _ in 0 }, to: JSONTapeEntries.self)
    }

    /// Where the entries go; valid while this object lives.
    var base: UnsafeMutablePointer<JSONTape.Entry> {
        withUnsafeMutablePointerToElements { $0 }
    }

    /// A larger copy holding the first `count` entries, with room for at least `minimum` (the
    /// builder says how much larger).
    func grown(keeping count: Int, toAtLeast minimum: Int) -> JSONTapeEntries {
        let larger = JSONTapeEntries.make(capacity: minimum)
        larger.base.initialize(from: base, count: count)
        return larger
    }

    /// How many entries were written: the tape is read only up to here.
    func finish(count: Int) {
        header = count
    }

    @usableFromInline var count: Int { header }

    @inlinable var buffer: UnsafeBufferPointer<JSONTape.Entry> {
        withUnsafeMutablePointers { count, entries in UnsafeBufferPointer(start: entries, count: count.pointee) }
    }
}
