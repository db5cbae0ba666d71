// Swift objects held by Lua as userdata: methods, type errors by name, and one finaliser.
import LuaKit
import Testing

/// A stand-in for a provider client: counts the requests made through it.
final class Counter: LuaObject {
    static let luaTypeName = "test.counter"
    static var luaMethods: [LuaRegistration] { [
        LuaRegistration("add") { call in
            let counter = try call.object(at: 1, as: Counter.self)
            counter.total += try call.integer(at: 2)
            call.stack.push(counter.total)
            return 1
        },
    ] }

    var total = 0
    let onRelease: () -> Void

    init(onRelease: @escaping () -> Void = {}) {
        self.onRelease = onRelease
    }

    deinit { onRelease() }
}

/// An object with members beyond its methods, looked up by key.
final class Members: LuaObject {
    static let luaTypeName = "test.members"
    static var luaMethods: [LuaRegistration] { [
        LuaRegistration("name") { call in
            _ = try call.object(at: 1, as: Members.self)
            call.stack.push("method")
            return 1
        },
    ] }
    static var luaMemberLookup: LuaFunctionBody? {
        { call in
            let object = try call.object(at: 1, as: Members.self)
            call.stack.push("\(object.prefix)\(try call.string(at: 2))")
            return 1
        }
    }

    let prefix: String

    init(prefix: String) {
        self.prefix = prefix
    }
}

@Suite struct LuaObjectTests {
    let state: LuaState

    init() throws {
        state = try LuaState()
        try state.open([.base, .string])
    }

    func push(_ counter: Counter, as name: String) {
        state.stack.push(object: counter)
        state.stack.setGlobal(name)
    }

    @Test func methodsReachTheSwiftObject() throws {
        let counter = Counter()
        push(counter, as: "counter")
        #expect(try state.run("counter:add(2); return counter:add(40)") == [42])
        #expect(counter.total == 42)
        #expect(try state.run("return tostring(counter):match('^test.counter: ') ~= nil, getmetatable(counter)") == [true, "test.counter"])
    }

    @Test func aWrongSelfIsATypeErrorNamingTheType() throws {
        push(Counter(), as: "counter")
        let results = try state.run("""
            local a = select(2, pcall(function() counter.add({}, 1) end))
            local b = select(2, pcall(function() counter:add('x') end))
            local c = select(2, pcall(function() local t = {add = counter.add}; t:add(1) end))
            return a, b, c
            """, chunkName: "=test")
        #expect(results == [
            "test:1: bad argument #1 to 'add' (test.counter expected, got table)",
            "test:2: bad argument #1 to 'add' (number expected, got string)",
            "test:3: calling 'add' on bad self (test.counter expected, got table)",
        ])
    }

    @Test func closingReleasesTheObjectOnceAndLaterUseIsAnError() throws {
        final class Releases { var count = 0 }
        let releases = Releases()
        push(Counter { releases.count += 1 }, as: "counter")
        let results = try state.run("""
            do
              local c <close> = counter
              c:add(1)
            end
            return select(2, pcall(function() counter:add(1) end))
            """, chunkName: "=test")
        #expect(results == ["test:5: calling 'add' on bad self (attempt to use a closed test.counter)"])
        #expect(releases.count == 1)
        try state.run("counter = nil; collectgarbage(); collectgarbage()")
        #expect(releases.count == 1, "the collector does not release a closed object again")
    }

    @Test func keysBeyondTheMethodsGoToTheLookupAndAClosedObjectRefusesThem() throws {
        state.stack.push(object: Members(prefix: "a:"))
        state.stack.setGlobal("first")
        state.stack.push(object: Members(prefix: "b:"))
        state.stack.setGlobal("second")
        let results = try state.run("""
            local a, b, c, d = first:name(), first.other, second.other, second.name == first.name
            do local closing <close> = second end
            local ok, err = pcall(function() return second.other end)
            return a, b, c, d, err
            """, chunkName: "=test")
        #expect(results == [
            "method", "a:other", "b:other", true,
            "test:3: bad argument #1 to 'index' (attempt to use a closed test.members)",
        ])
    }

    @Test func collectingTheUserdataReleasesTheObject() throws {
        final class Releases { var count = 0 }
        let releases = Releases()
        push(Counter { releases.count += 1 }, as: "counter")
        try state.run("counter = nil; collectgarbage(); collectgarbage()")
        #expect(releases.count == 1)
    }
}
