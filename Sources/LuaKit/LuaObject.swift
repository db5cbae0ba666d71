// Swift objects that Lua holds as full userdata, with methods, a type name and a finaliser.
import CLua
import CLuaShims

/// A Swift class whose instances Lua can hold, as a full userdata with a metatable: `__name` is
/// ``luaTypeName`` (so type errors read "payrun.client expected, got table"), `__index` holds
/// ``luaMethods``, and `__gc` and `__close` share one finaliser that releases the object.
///
/// A `local client <close> = ...` releases the object when the block ends; calling a method on it
/// after raises "attempt to use a closed payrun.client".
public protocol LuaObject: AnyObject {
    /// The userdata's type name, e.g. `"payrun.client"`.
    static var luaTypeName: String { get }
    /// Methods, called as `object:method(...)`; `self` is argument 1 (see ``LuaCall/object(at:as:)``).
    static var luaMethods: [LuaRegistration] { get }
    /// Metamethods such as `__tostring` or `__eq`; `__index`, `__gc`, `__close`, `__name` and
    /// `__metatable` are LuaKit's.
    static var luaMetamethods: [LuaRegistration] { get }
    /// Called as `(object, key)` for a key that is not one of ``luaMethods``, for members that
    /// differ from object to object; nil (the default) makes them all nil.
    static var luaMemberLookup: LuaFunctionBody? { get }
}

extension LuaObject {
    public static var luaMetamethods: [LuaRegistration] { [] }
    public static var luaMemberLookup: LuaFunctionBody? { nil }
}

/// Releases an object once Lua has collected or closed the userdata that held it.
private let releaseObject: luashim_release = { context in
    Unmanaged<AnyObject>.fromOpaque(context!).release()
}

extension LuaStack {
    /// Pushes `object` as a full userdata of its type; Lua keeps it alive until collected or closed.
    public func push<Object: LuaObject>(object: Object) {
        luashim_pushuserdata(L, releaseObject, Unmanaged.passRetained(object as AnyObject).toOpaque())
        pushMetatable(for: Object.self)  // stack: ... userdata metatable
        lua_setmetatable(L, -2)
    }

    /// The registry name of the methods of a ``LuaObject`` type with ``LuaObject/luaMemberLookup``
    /// (its `__index` is then a function, so the methods are kept beside it, here).
    public static func methodsKey(forTypeNamed typeName: String) -> String {
        typeName + ".methods"
    }

    /// Pushes the metatable of `Object`'s userdata, making it the first time.
    private func pushMetatable<Object: LuaObject>(for type: Object.Type) {
        guard luaL_newmetatable(L, Object.luaTypeName) != 0 else { return }  // stack: ... metatable (with __name)
        for metamethod in Object.luaMetamethods {
            push(function: metamethod.body)
            setField(metamethod.name, in: -2)
        }
        push(library: Object.luaMethods)       // stack: ... metatable methods
        if let lookup = Object.luaMemberLookup {
            // A function, to be given the object: the methods first, then the object's own members.
            pushCopy(of: -1)
            setRegistryValue(LuaStack.methodsKey(forTypeNamed: Object.luaTypeName))
            push(function: lookup)             // stack: ... metatable methods lookup
            luashim_pushmemberindex(L)         // stack: ... metatable index
        }
        setField("__index", in: -2)
        luashim_pushcfunction(L, luashim_releaseuserdata)
        setField("__gc", in: -2)
        luashim_pushcfunction(L, luashim_releaseuserdata)
        setField("__close", in: -2)
        push(Object.luaTypeName)
        setField("__metatable", in: -2)  // scripts see the name, and cannot swap the metatable
    }

    /// The object at `index` if it is a userdata of `Object`'s type that is still open.
    public func object<Object: LuaObject>(at index: Int32, as type: Object.Type) -> Object? {
        guard lua_type(L, index) == LUA_TUSERDATA, lua_checkstack(L, 3) != 0,
            lua_getmetatable(L, index) != 0
        else { return nil }
        // The type's metatable, kept under its metadata's address as well as its name: found by
        // an address it is found without a string to intern (some 500 instructions a method call).
        let key = unsafeBitCast(ObjectIdentifier(Object.self), to: UnsafeRawPointer.self)
        if pushRegistryValue(forKey: key) == .nil {
            pop()
            pushRegistryValue(Object.luaTypeName)  // luaL_newmetatable keeps it there
            pushCopy(of: -1)
            setRegistryValue(forKey: key)
        }                                          // stack: ... its-metatable the-type's
        let matches = lua_rawequal(L, -1, -2) != 0
        pop(2)
        guard matches, let context = luashim_userdatacontext(L, index) else { return nil }
        return Unmanaged<AnyObject>.fromOpaque(context).takeUnretainedValue() as? Object
    }
}

extension LuaCall {
    /// Argument `position` as an object of `Object`'s type.
    /// - Throws: a standard type error ("payrun.client expected, got table"), or, for an object
    ///   that was closed, "attempt to use a closed payrun.client".
    public func object<Object: LuaObject>(at position: Int, as type: Object.Type) throws(LuaArgumentError) -> Object {
        if let object = stack.object(at: index(of: position), as: type) { return object }
        if self.type(at: position) == .userdata, stack.pushField("__name", ofMetatableAt: index(of: position)) {
            defer { stack.pop() }
            if stack.describe(at: -1) == Object.luaTypeName {
                throw .invalid(at: position, "attempt to use a closed \(Object.luaTypeName)")
            }
        }
        throw .type(at: position, expected: Object.luaTypeName)
    }
}
