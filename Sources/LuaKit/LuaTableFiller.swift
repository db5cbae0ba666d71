// Tables filled on first use, the Swift half of lualazy.c: a host hands Lua empty tables that a
// Swift object fills the first time anything reads them, where building every one up front
// would cost more than a script that reads a few of them ever uses.
import CLua
import CLuaShims

/// What fills a host's lazy tables (see ``LuaStack/pushLazyMetatable(filling:)``). Lua holds it
/// for as long as one of its tables has not been filled.
public protocol LuaTableFiller: LuaObject {
    /// Fills the table at `table` (an absolute index) with its entries, raw, once. Its lazy
    /// metatable is already off. It must not raise, or call script code: the fill can happen
    /// in the middle of any read of the table, from Lua or from Swift.
    func fill(_ table: Int32, on stack: LuaStack)
}

/// Called by lualazy.c, with the host's allowance on, for each table as it is first read.
private let fillLazyTable: luashim_lazyfill = { L, table, context in
    let filler = Unmanaged<AnyObject>.fromOpaque(context!).takeUnretainedValue()
    (filler as? any LuaTableFiller)?.fill(table, on: LuaStack(unsafeState: L!))
}

extension LuaStack {
    /// Pushes a new metatable that has `filler` fill the tables given it the first time anything
    /// reads them (indexing, `pairs`, `#`, `next`, the raw functions and every raw read LuaKit
    /// makes for Swift), after which each is an ordinary table without a metatable. A lazy
    /// table must be empty until it is filled; its filler must only add entries whose keys are
    /// not integers (so a raw element read, which does not fill, finds nothing either way).
    public func pushLazyMetatable<Filler: LuaTableFiller>(filling filler: Filler) {
        LuaStack.registersFill
        push(object: filler)
        luashim_pushlazymetatable(L)
    }

    /// Fills the table at `index` if it is a lazy table not read yet.
    @inlinable
    public func fillIfLazy(_ index: Int32) {
        luashim_filliflazy(L, index)
    }

    /// Makes the state's `next`, `pairs`, `rawget`, `rawset`, `rawlen` and `getmetatable` fill lazy
    /// tables first: a sandbox calls this before it hands the base library to scripts.
    public func openLazyTables() {
        LuaStack.registersFill
        luashim_openlazytables(L)
    }

    private static let registersFill: Void = luashim_setlazyfill(fillLazyTable)
}
