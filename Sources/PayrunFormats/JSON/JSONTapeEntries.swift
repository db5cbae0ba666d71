// A tape's entries in memory of their own, written through a pointer as the parser goes. An array
// checked, at each of the twenty-odd values of a record, that it was not shared before appending
// (a call into the runtime each time): a fifth of a page's parse.
#if canImport(Glibc)
import Glibc
#endif

/// The entries of one parsed document: written once by ``JSONTapeBuilder``, read only after.
@usableFromInline
final class JSONTapeEntries: @unchecked Sendable {
    @usableFromInline private(set) var base: UnsafeMutablePointer<JSONTape.Entry>
    @usableFromInline private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 4)
        base = .allocate(capacity: self.capacity)
    }

    deinit {
        base.deallocate()
    }

    /// Room for at least `minimum` entries, the first `count` kept; the new start.
    func grow(keeping count: Int, toAtLeast minimum: Int) -> UnsafeMutablePointer<JSONTape.Entry> {
        let larger = max(minimum, capacity * 2)
        let moved = UnsafeMutablePointer<JSONTape.Entry>.allocate(capacity: larger)
        moved.moveInitialize(from: base, count: count)
        base.deallocate()
        base = moved
        capacity = larger
        return moved
    }

    /// How many entries were written: the tape is read only up to here.
    func finish(count: Int) {
        self.count = count
    }

    @inlinable var buffer: UnsafeBufferPointer<JSONTape.Entry> {
        UnsafeBufferPointer(start: base, count: count)
    }
}
