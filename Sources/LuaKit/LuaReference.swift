// Keeps a Lua value alive in the registry for as long as Swift holds it.
import CLua
import CLuaShims

/// A Lua value kept in the state's registry while Swift holds this object: how functions,
/// full userdata and threads travel through Swift. Two references are equal when they hold the
/// same Lua object.
///
/// A reference belongs to its ``LuaState`` and keeps it open; like the state, it must be used on
/// one thread at a time. A reference captured by a Swift function that Lua holds therefore keeps
/// the state open for good (state, function, closure, reference, state): capture the value's
/// position or a registry name instead.
public final class LuaReference: Hashable {
    let owner: LuaState
    let slot: Int32
    /// The object's address as `lua_topointer` gives it, for identity.
    let identity: UnsafeRawPointer?
    public let type: LuaType

    /// Pops the value on top of `L`'s stack into a new reference.
    init(owner: LuaState, popping L: OpaquePointer) {
        self.owner = owner
        self.type = LuaType(rawValue: lua_type(L, -1)) ?? .nil
        self.identity = lua_topointer(L, -1)
        self.slot = luaL_ref(L, luashim_registryindex())
    }

    deinit {
        luaL_unref(owner.handle, luashim_registryindex(), slot)
    }

    /// Pushes the referenced value onto `L`.
    /// - Throws: ``LuaError`` if `L` belongs to another state, whose registry does not hold it.
    func push(onto L: OpaquePointer) throws(LuaError) {
        guard luashim_gethost(L) == luashim_gethost(owner.handle) else {
            throw LuaError(.conversion, "a Lua \(type) from one state cannot be handed to another")
        }
        lua_rawgeti(L, luashim_registryindex(), lua_Integer(slot))
    }

    public static func == (lhs: LuaReference, rhs: LuaReference) -> Bool {
        lhs.identity == rhs.identity && lhs.owner === rhs.owner
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(identity)
    }
}
