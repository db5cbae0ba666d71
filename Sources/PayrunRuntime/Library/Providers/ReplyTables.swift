// The tables of a provider's reply, kept in Swift until Lua reads them, as `p:paginate`'s records
// are: the result (an object, straight from the parsed answer) and the response beside it. Many
// scripts never read one or the other (a create's result, most responses), and building them (a
// Lua string for each name and value) cost more than the request's parse and signature together.
// A filled table is an ordinary table, the same as it was when it was built at once. One filler,
// and one lazy metatable, serve many tables in turn: a metatable made for each table was larger
// than the table.
import LuaKit
import PayrunFormats
import PayrunProviderKit

/// Fills result and response tables (``ProviderValues/pushResponse(_:session:on:)``,
/// ``ProviderValues/pushResult(_:session:on:)``) from their replies, each once.
final class ReplyTables: LuaTableFiller {
    static let luaTypeName = "payrun.reply"
    static var luaMethods: [LuaRegistration] { [] }

    /// What a table is filled with.
    enum Entry {
        /// A result: the members of an object in a parsed answer.
        case result(JSONTape.Node)
        /// A response table.
        case response(Fields)
    }

    /// What a response table holds (kept without the reply's body).
    struct Fields {
        let status: Int
        let attempts: Int
        let alreadyAccepted: Bool
        let fromJournal: Bool
        /// Made into strings when the table is read.
        let headers: ResponseHeaders

        init(_ reply: ProviderClient.Reply) {
            status = reply.status
            attempts = reply.attempts
            alreadyAccepted = reply.alreadyAccepted
            fromJournal = reply.fromJournal
            headers = reply.headerFields
        }
    }

    /// How many tables one filler and its metatable serve. Those never read keep their fields
    /// here until all of them are collected.
    static let tablesEach = 64

    /// Each table not filled yet, by address, and about what its entry holds. A table collected
    /// unread leaves its entry until the filler goes: only a table with this filler's metatable
    /// ever looks, and a new one at a reused address replaces the entry when it is made.
    // Touched by the Lua thread only, an access at a time: no run-time exclusivity checks.
    @exclusivity(unchecked) private var unread: [UnsafeRawPointer: (entry: Entry, bytes: Int)] = [:]
    @exclusivity(unchecked) private var made = 0
    private let budget: UnreadTablesBudget

    private init(budget: UnreadTablesBudget) {
        self.budget = budget
        // Room for all its tables at once: growing to them rehashed the entries three times.
        unread.reserveCapacity(Self.tablesEach)
    }

    deinit {
        for (_, kept) in unread { budget.held -= kept.bytes }
    }

    /// Makes the table at `table` (empty, with this filler's metatable) stand for `entry`.
    func add(_ table: UnsafeRawPointer, _ entry: Entry, bytes: Int) {
        if let replaced = unread.updateValue((entry, bytes), forKey: table) { budget.held -= replaced.bytes }
        budget.held += bytes
        made += 1
    }

    var isFull: Bool { made >= Self.tablesEach }

    func fill(_ table: Int32, on stack: LuaStack) {
        guard let address = stack.identity(at: table), let (entry, bytes) = unread.removeValue(forKey: address) else { return }
        budget.held -= bytes
        switch entry {
        case .result(let node):
            JSONLibrary.fill(table, withMembersOf: node.index, of: node.tape, on: stack)
        case .response(let fields):
            // A key and a value at a time, and the headers table under them.
            guard (try? stack.reserve(4)) != nil else { return }
            ProviderValues.setResponseFields(fields, in: table, on: stack)
        }
    }

    /// The address of this filler's metatable, to tell it from another state's.
    private var metatable: UnsafeRawPointer?

    /// Where the lazy metatable reply tables get now is kept in each state's registry: a byte of
    /// its own, never freed, whose address is the key. (Taken as `&` of a static `var`, the
    /// address was an access of that variable, from every script thread at once.)
    private nonisolated(unsafe) static let metatableKey = UnsafeRawPointer(UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1))

    /// Pushes the lazy metatable for a new reply table and returns its filler: `current`, or
    /// a new one (then `current`) when it has served its tables or belongs to another state.
    static func pushMetatable(on stack: LuaStack, current: inout ReplyTables?, budget: UnreadTablesBudget) -> ReplyTables {
        let key = metatableKey
        if let filler = current, !filler.isFull {
            if stack.pushRegistryValue(forKey: key) == .table, stack.identity(at: -1) == filler.metatable { return filler }
            stack.pop()
        }
        let filler = ReplyTables(budget: budget)
        stack.pushLazyMetatable(filling: filler)     // stack: ... metatable
        filler.metatable = stack.identity(at: -1)
        stack.pushCopy(of: -1)
        stack.setRegistryValue(forKey: key)
        current = filler
        return filler
    }
}
