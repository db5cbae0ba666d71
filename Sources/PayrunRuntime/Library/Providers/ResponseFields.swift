// The response table beside a provider's result, kept in Swift until Lua reads it: most scripts
// take the result alone, and building the table with its headers (a Lua string for each name and
// value) cost more than parsing the reply's body. A filled table is an ordinary table, the same as
// it was when it was built eagerly.
import LuaKit
import PayrunProviderKit

/// Fills one response table (``ProviderValues/pushResponse(_:on:)``) from its reply, once.
final class ResponseFields: LuaTableFiller {
    static let luaTypeName = "payrun.response"
    static var luaMethods: [LuaRegistration] { [] }

    private var reply: ProviderClient.Reply?

    init(_ reply: ProviderClient.Reply) {
        self.reply = reply
    }

    func fill(_ table: Int32, on stack: LuaStack) {
        guard let reply else { return }
        self.reply = nil
        // A key and a value at a time, and the headers table under them.
        guard (try? stack.reserve(4)) != nil else { return }
        ProviderValues.setResponseFields(of: reply, in: table, on: stack)
    }
}
