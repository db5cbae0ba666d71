// Coroutines resumed from Swift, and Swift functions that yield them.
import LuaKit
import Testing

@Suite struct LuaCoroutineTests {
    let state: LuaState

    init() throws {
        state = try LuaState()
        try state.open([.base, .coroutine, .string, .table])
    }

    func function(_ code: String) throws -> LuaReference {
        guard case .function(let function)? = try state.run(code).first else { throw LuaError(.runtime, "no function") }
        return function
    }

    @Test func swiftResumesALuaCoroutineUntilItReturns() throws {
        let coroutine = try LuaCoroutine(function("""
            return function(a)
              local b = coroutine.yield(a + 1)
              local c = coroutine.yield(b * 2)
              return "done", c
            end
            """))
        #expect(try coroutine.resume([1]) == .yielded([2]))
        #expect(try coroutine.resume([10]) == .yielded([20]))
        #expect(coroutine.status == .suspended)
        #expect(try coroutine.resume(["last"]) == .returned(["done", "last"]))
        #expect(coroutine.status == .dead)
        #expect(throws: LuaError.self) { try coroutine.resume() }
    }

    @Test func anErrorInACoroutineCarriesTheCoroutinesTraceback() throws {
        let coroutine = try LuaCoroutine(function("""
            local function settle(batch)
              error("batch " .. batch .. " is locked")
            end
            return function(batch) settle(batch) end
            """))
        #expect {
            try coroutine.resume(["b-7"])
        } throws: { error in
            let error = error as! LuaError
            return error.message == "(swift):2: batch b-7 is locked"
                && (error.traceback ?? "").contains("in upvalue 'settle'")
        }
        #expect(coroutine.status == .dead)
    }

    @Test func aSwiftFunctionYieldsToTheHostAndGetsTheResumedValuesAsResults() throws {
        // The shape the network layer uses: yield a request, be resumed with its response.
        state.setGlobal("fetch") { call in
            let url = try call.string(at: 1)
            call.stack.push("GET " + url)
            return try call.yield(1)
        }
        let coroutine = try LuaCoroutine(function("""
            return function()
              local a = fetch("/a")
              local b = fetch("/b")
              return a .. "+" .. b
            end
            """))
        #expect(try coroutine.resume() == .yielded(["GET /a"]))
        #expect(try coroutine.resume(["A"]) == .yielded(["GET /b"]))
        #expect(try coroutine.resume(["B"]) == .returned(["A+B"]))
    }

    @Test func aContinuationFinishesTheCallAfterTheResume() throws {
        state.setGlobal("ask") { call in
            let question = try call.string(at: 1)
            call.stack.push(question)
            return try call.yield(1) { resumed in
                // The resumed values are the continuation's arguments.
                let answer = try resumed.integer(at: 1)
                resumed.stack.push(question + " = " + String(answer))
                return 1
            }
        }
        let coroutine = try LuaCoroutine(function("return function() return ask('6*7') end"))
        #expect(try coroutine.resume() == .yielded(["6*7"]))
        #expect(try coroutine.resume([42]) == .returned(["6*7 = 42"]))
    }

    @Test func aContinuationCanRaiseAndYieldAgain() throws {
        state.setGlobal("countdown") { call in
            var remaining = try call.integer(at: 1)
            func step(_ call: LuaCall) throws -> LuaReturn {
                if remaining == 0 { throw PaymentDeclined() }
                call.stack.push(remaining)
                remaining -= 1
                return try call.yield(1, then: step)
            }
            return try step(call)
        }
        let coroutine = try LuaCoroutine(function("return function() return pcall(countdown, 3) end"))
        var yielded: [LuaValue] = []
        var outcome = try coroutine.resume()
        while case .yielded(let values) = outcome {
            yielded += values
            outcome = try coroutine.resume()
        }
        #expect(yielded == [3, 2, 1])
        #expect(outcome == .returned([false, "payment declined by the bank"]))
    }

    @Test func manyYieldsFromOneCallKeepTheCoroutineStackFlat() throws {
        state.setGlobal("spin") { call in
            var remaining = try call.integer(at: 1)
            func step(_ call: LuaCall) throws -> LuaReturn {
                guard remaining > 0 else {
                    call.stack.push("finished")
                    return 1
                }
                remaining -= 1
                call.stack.push(remaining)
                return try call.yield(1, then: step)
            }
            return try step(call)
        }
        let coroutine = try LuaCoroutine(function("return function() return spin(20000) end"))
        var outcome = try coroutine.resume()
        var count = 0
        var highest: Int32 = 0
        while case .yielded = outcome {
            highest = max(highest, coroutine.stack.top)
            count += 1
            outcome = try coroutine.resume(["resumed", "with", "values"])
        }
        #expect(count == 20000)
        #expect(outcome == .returned(["finished"]))
        #expect(highest < 10, "the stack grew to \(highest) slots")
    }

    @Test func yieldingOutsideACoroutineIsAnErrorAsInLua() throws {
        state.setGlobal("wait") { call in try call.yield(0) }
        let results = try state.run("return pcall(wait)")
        #expect(results == [false, "attempt to yield from outside a coroutine"])
    }

    @Test func anAbandonedCoroutineReleasesItsContinuation() throws {
        final class Token {}
        weak var weakToken: Token?
        do {
            let token = Token()
            weakToken = token
            state.setGlobal("hold") { call in
                try call.yield(0) { _ in _ = token; return 0 }
            }
            let coroutine = try LuaCoroutine(function("return function() hold() end"))
            #expect(try coroutine.resume() == .yielded([]))
            try state.run("hold = nil")
        }
        try state.run("collectgarbage(); collectgarbage()")
        #expect(weakToken == nil)
    }

    @Test func aContinuationResumedWithManyValuesHasRoomForManyResults() throws {
        state.setGlobal("echo") { call in
            try call.yield(0) { resumed in
                let count = resumed.argumentCount
                for position in 1...count { resumed.stack.pushCopy(of: resumed.index(of: position)) }
                return .values(count)
            }
        }
        let results = try state.run("""
            local co = coroutine.wrap(function() return select('#', echo()) end)
            co()
            local values = {}
            for i = 1, 60 do values[i] = i end
            return co(table.unpack(values))
            """)
        #expect(results == [60])
    }

    @Test func resumingARunningCoroutineFromSwiftIsRefusedWithoutKillingIt() throws {
        final class Holder { var coroutine: LuaCoroutine? }
        let holder = Holder()
        state.setGlobal("reenter") { call in
            do {
                _ = try holder.coroutine!.resume([], from: call.stack)
            } catch let error as LuaError {
                call.stack.push(error.message)
                return 1
            }
            return 0
        }
        let coroutine = try LuaCoroutine(function("return function() local m = reenter(); coroutine.yield(m); return 'alive' end"))
        holder.coroutine = coroutine
        #expect(try coroutine.resume() == .yielded(["cannot resume non-suspended coroutine"]))
        #expect(try coroutine.resume() == .returned(["alive"]))
        holder.coroutine = nil
    }
}
