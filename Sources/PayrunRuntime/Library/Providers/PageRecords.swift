// The records of one page of `p:paginate`, kept parsed in Swift until Lua reads them: each record
// a script gets is an empty table that is filled from here the first time anything looks inside
// it (LuaKit's lazy tables), so a loop that counts records or reads a few of each page never
// builds the rest. A filled record is an ordinary table, the same as `json.decode` would make.
//
// Which table stands for which record is kept in a flat table of its own, keyed by the table's
// address: a Swift Dictionary hashed each address with SipHash and checked exclusive access at
// each insert, a tenth of what a page's empty records cost.
import LuaKit
import PayrunFormats

/// Fills a page's records from its parsed answer, each once.
final class PageRecords: LuaTableFiller {
    static let luaTypeName = "payrun.page"
    static var luaMethods: [LuaRegistration] { [] }

    private let tape: JSONTape
    /// Where the tape's bytes are counted while the page is held.
    private let budget: UnreadTablesBudget
    /// Where this page's reads are counted, for the cursor to size the next page's records by.
    private let reads: RecordReads
    /// Each record not filled yet: its table's address (0 for none, 1 for one filled), and its
    /// object's node in `tape`; open addressing, at most half full. A table collected unread
    /// leaves its entry here until the page is collected: no other table can have this page's
    /// metatable, so a reused address never finds it.
    private let slots: UnsafeMutablePointer<(address: UInt, node: Int)>
    private let mask: Int

    /// Holds `tape` for a page's records, counting it in `budget` until the page is collected.
    init(tape: JSONTape, capacity: Int, budget: UnreadTablesBudget, reads: RecordReads) {
        self.tape = tape
        self.budget = budget
        self.reads = reads
        var size = 8
        while size < capacity * 2 { size *= 2 }
        mask = size - 1
        slots = .allocate(capacity: size)
        slots.initialize(repeating: (0, 0), count: size)
        budget.held += tape.byteCount
    }

    deinit {
        budget.held -= tape.byteCount
        slots.deallocate()
    }

    /// Where `address` is, or would go.
    @inline(__always)
    private func slot(of address: UInt) -> Int {
        // Tables lie at least 16 bytes apart: the low bits say nothing. Fibonacci hashing
        // spreads the rest.
        var slot = Int(truncatingIfNeeded: ((address >> 4) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
        while slots[slot].address != 0 && slots[slot].address != address { slot = (slot &+ 1) & mask }
        return slot
    }

    /// Notes that the table at `address` stands for the object at `node`.
    func add(_ address: UnsafeRawPointer, node: Int) {
        let address = UInt(bitPattern: address)
        slots[slot(of: address)] = (address, node)
    }

    func fill(_ table: Int32, on stack: LuaStack) {
        guard let identity = stack.identity(at: table) else { return }
        let slot = slot(of: UInt(bitPattern: identity))
        guard slots[slot].address != 0 else { return }
        let node = slots[slot].node
        // Left taken, so that the probes of the tables after it still pass; 1 is no table's address.
        slots[slot].address = 1
        reads.filled += 1
        JSONLibrary.fill(table, withMembersOf: node, of: tape, on: stack)
    }
}

/// How much of its last page a `p:paginate` loop read. Touched only on the Lua thread.
///
/// Each empty record is made with room for its fields, as the table it will be filled into, or
/// without: room costs an allocation a record, and the collector's time to free it, which a loop
/// that only counts its records spends for nothing; no room costs four growths a record when it
/// is read. So a page's records have room when most of the page before was read (and on the first
/// page).
final class RecordReads {
    /// Records of pages handed out so far that were filled since the last page.
    var filled = 0
    /// How many records the last page had; nil before the first.
    private var given: Int?

    /// Whether the records of a page of `count` about to be handed out get room for their
    /// fields; counts from here for the next.
    func sizesNextPage(of count: Int) -> Bool {
        defer {
            given = count
            filled = 0
        }
        guard let given, given > 0 else { return true }
        return filled * 2 >= given
    }
}
