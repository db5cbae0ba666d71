// The records of one page of `p:paginate`, kept parsed in Swift until Lua reads them: each record
// a script gets is an empty table that is filled from here the first time anything looks inside
// it (LuaKit's lazy tables), so a loop that counts records or reads a few of each page never
// builds the rest. A filled record is an ordinary table, the same as `json.decode` would make.
import LuaKit
import PayrunFormats

/// Fills a page's records from its parsed answer, each once.
final class PageRecords: LuaTableFiller {
    static let luaTypeName = "payrun.page"
    static var luaMethods: [LuaRegistration] { [] }

    private let tape: JSONTape
    /// Where the tape's bytes are counted while the page is held.
    private let budget: UnreadTablesBudget
    /// Each record not filled yet: its table's address, and its object's node in `tape`. A
    /// table collected unread leaves its entry here until the page is collected: no other
    /// table can have this page's metatable, so a reused address never finds it.
    private var nodes: [UnsafeRawPointer: Int]

    /// Holds `tape` for a page's records, counting it in `budget` until the page is collected.
    init(tape: JSONTape, capacity: Int, budget: UnreadTablesBudget) {
        self.tape = tape
        self.budget = budget
        nodes = Dictionary(minimumCapacity: capacity)
        budget.held += tape.byteCount
    }

    deinit {
        budget.held -= tape.byteCount
    }

    /// Notes that the table at `address` stands for the object at `node`.
    func add(_ address: UnsafeRawPointer, node: Int) {
        nodes[address] = node
    }

    func fill(_ table: Int32, on stack: LuaStack) {
        guard let address = stack.identity(at: table), let node = nodes.removeValue(forKey: address) else { return }
        JSONLibrary.fill(table, withMembersOf: node, of: tape, on: stack)
    }
}
