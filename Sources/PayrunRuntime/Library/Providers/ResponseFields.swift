// The response tables beside providers' results, kept in Swift until Lua reads them: most scripts
// take the result alone, and building each table with its headers (a Lua string for each name and
// value) cost more than parsing the reply's body. A filled table is an ordinary table, the same as
// it was when it was built eagerly. One filler, and one lazy metatable, serve many tables in turn:
// a metatable made for each response was its largest Lua object.
import LuaKit
import PayrunProviderKit

/// Fills response tables (``ProviderValues/pushResponse(_:on:)``) from their replies, each once.
final class ResponseFields: LuaTableFiller {
    static let luaTypeName = "payrun.response"
    static var luaMethods: [LuaRegistration] { [] }

    /// What a response table holds, kept without the reply's body.
    struct Fields {
        let status: Int
        let attempts: Int
        let alreadyAccepted: Bool
        let fromJournal: Bool
        let headers: [(String, String)]

        init(_ reply: ProviderClient.Reply) {
            status = reply.status
            attempts = reply.attempts
            alreadyAccepted = reply.alreadyAccepted
            fromJournal = reply.fromJournal
            headers = reply.headers
        }
    }

    /// How many tables one filler and its metatable serve. Those never read keep their fields
    /// here until all of them are collected.
    static let tablesEach = 64

    /// Each table not filled yet, by address. A table collected unread leaves its entry until
    /// the filler goes: only a table with this filler's metatable ever looks, and a new one at a
    /// reused address replaces the entry when it is made.
    private var unread: [UnsafeRawPointer: Fields] = [:]
    private var made = 0

    /// Makes the table at `table` (empty, with this filler's metatable) stand for `reply`.
    func add(_ table: UnsafeRawPointer, _ reply: ProviderClient.Reply) {
        unread[table] = Fields(reply)
        made += 1
    }

    var isFull: Bool { made >= Self.tablesEach }

    func fill(_ table: Int32, on stack: LuaStack) {
        guard let address = stack.identity(at: table), let fields = unread.removeValue(forKey: address) else { return }
        // A key and a value at a time, and the headers table under them.
        guard (try? stack.reserve(4)) != nil else { return }
        ProviderValues.setResponseFields(fields, in: table, on: stack)
    }

    /// The address of this filler's metatable, to tell it from another state's.
    private var metatable: UnsafeRawPointer?

    /// Where the lazy metatable response tables get now is kept in each state's registry.
    private nonisolated(unsafe) static var metatableKey: UInt8 = 0

    /// Pushes the lazy metatable for a new response table and returns its filler: `current`, or
    /// a new one (then `current`) when it has served its tables or belongs to another state.
    static func pushMetatable(on stack: LuaStack, current: inout ResponseFields?) -> ResponseFields {
        withUnsafePointer(to: &metatableKey) { key in
            if let filler = current, !filler.isFull {
                if stack.pushRegistryValue(forKey: key) == .table, stack.identity(at: -1) == filler.metatable { return filler }
                stack.pop()
            }
            let filler = ResponseFields()
            stack.pushLazyMetatable(filling: filler)     // stack: ... metatable
            filler.metatable = stack.identity(at: -1)
            stack.pushCopy(of: -1)
            stack.setRegistryValue(forKey: key)
            current = filler
            return filler
        }
    }
}
