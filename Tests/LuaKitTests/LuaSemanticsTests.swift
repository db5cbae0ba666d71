// Swift functions behave exactly as C functions do in plain Lua, in errors, pcall and
// coroutines: the same scenario runs once with C implementations and once with Swift ones, and
// must print the same lines.
import CLuaShims
import CReferenceFunctions
import LuaKit
import Testing

@Suite struct LuaSemanticsTests {
    /// Exercises `pass(f, ...)` (calls f with the arguments, returns its results) and `fail(v)`
    /// (raises v as it is) in every nesting of pcall, xpcall, coroutines and to-be-closed variables.
    static let scenario = """
        local pass, fail = ...
        local out = {}
        local function log(...)
          local t = table.pack(...)
          for i = 1, t.n do t[i] = tostring(t[i]) end
          out[#out + 1] = table.concat(t, " ")
        end
        local problem = { code = 1 }
        log(pcall(fail, "plain"))
        local ok, e = pcall(fail, problem); log(ok, e == problem)
        ok, e = pcall(pass, fail, problem); log(ok, e == problem)
        log(pcall(pass, pass, fail, "deep"))
        log(pass(function(...) return ... end, 1, nil, 3))
        log(select("#", pass(function() end)))
        log(pass(pcall, fail, "inner"))
        log(pcall(fail, 42)); log(pcall(fail, nil)); log(pcall(fail, true))
        log(pcall(pass, error, "with position"))
        log(xpcall(pass, function(m) return "handled: " .. tostring(m) end, fail, "x"))
        log(pcall(pass, pcall))
        local co = coroutine.create(function(x)
          local y = coroutine.yield(x + 1)
          fail("in coroutine " .. y)
        end)
        log(pass(coroutine.resume, co, 1))
        log(pass(coroutine.resume, co, 5))
        log(coroutine.status(co))
        local wrapped = coroutine.wrap(function()
          local ok, e = pcall(pass, fail, problem)
          coroutine.yield(ok, e == problem)
          return pass(function() return "done" end)
        end)
        log(wrapped()); log(wrapped())
        local outer = coroutine.wrap(function()
          local inner = coroutine.wrap(function()
            coroutine.yield(pass(function() return "inner 1" end))
            return pass(pcall, fail, "inner 2")
          end)
          coroutine.yield(inner())
          coroutine.yield(inner())
          return pcall(inner)
        end)
        log(outer()); log(outer()); log(outer())
        do
          local closed = false
          local ok = pcall(function()
            local guard <close> = setmetatable({}, { __close = function() closed = true end })
            pass(fail, "closing")
          end)
          log(ok, closed)
        end
        local function nest(n) if n == 0 then return fail("bottom") end return pass(nest, n - 1) end
        log(pcall(nest, 50))
        log(pcall(pass, setmetatable({}, { __call = function(_, a) return a * 2 end }), 21))
        log(pcall(pass, nil))
        return table.concat(out, "\\n")
        """

    func run(withSwift: Bool) throws -> String {
        let state = try LuaState()
        try state.open([.base, .coroutine, .string, .table])
        if withSwift {
            state.setGlobal("pass") { call in
                .values(try call.callFunction(at: 1, argumentsFrom: 2))
            }
            state.setGlobal("fail") { call in throw call.error(raising: 1) }
        } else {
            luashim_pushcfunction(state.handle, reference_pass)
            state.stack.setGlobal("pass")
            luashim_pushcfunction(state.handle, reference_fail)
            state.stack.setGlobal("fail")
        }
        let pass = try state.global("pass")
        let fail = try state.global("fail")
        let output = try state.run(Self.scenario, chunkName: "=scenario", [pass, fail])
        return output.first?.text ?? ""
    }

    @Test func swiftFunctionsBehaveAsCFunctionsInErrorsPcallAndCoroutines() throws {
        let c = try run(withSwift: false)
        let swift = try run(withSwift: true)
        #expect(c.split(separator: "\n").count == 25, "\(c)")
        #expect(swift == c)
    }

    @Test func aSwiftFunctionCannotBeYieldedAcrossLikeACFunction() throws {
        let state = try LuaState()
        try state.open([.base, .coroutine])
        state.setGlobal("pass") { call in
            .values(try call.callFunction(at: 1, argumentsFrom: 2))
        }
        let results = try state.run("""
            local co = coroutine.wrap(function() return pcall(pass, coroutine.yield, 1) end)
            return co()
            """)
        #expect(results == [false, "attempt to yield across a C-call boundary"])
    }
}
