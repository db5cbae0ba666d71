// Benchmark 4: what the sandbox and its limits cost CPU-bound Lua code, against the same script
// in a bare state with no limits.
import LuaKit
import PayrunRuntime

enum LimitsCostBenchmark {
    /// Recursion, arithmetic, strings and tables: the kinds of work a reconciliation does.
    static let workload = """
        local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
        local total = fib(27)
        local parts = {}
        for i = 1, 200000 do
          parts[#parts + 1] = string.format("%d:%s", i, tostring(i * 3))
          if #parts > 1000 then parts = {} end
        end
        local ledger = {}
        for i = 1, 300000 do
          local key = "tx_" .. (i % 5000)
          ledger[key] = (ledger[key] or 0) + i % 97
        end
        local sorted = {}
        for i = 1, 100000 do sorted[i] = (i * 7919) % 100003 end
        table.sort(sorted)
        local csv = ("tx_1,120.00,EUR,settled\\n"):rep(2000)
        local matched = 0
        for _ = 1, 10 do
          for id, amount, currency in csv:gmatch("(tx_%d+),([%d.]+),(%u+)") do matched = matched + 1 end
          matched = matched + select(2, csv:gsub("settled", "paid"))
          matched = matched + (csv:find("EUR,pending", 1, true) or 0) + #(csv:match("^(.-)\\n"))
        end
        return total + #sorted + matched
        """

    static func run() throws -> BenchmarkResult {
        let bare = try LuaState()
        try bare.open([.base, .coroutine, .math, .string, .table, .utf8])
        // Stock Lua's own pattern functions, which LuaKit replaces with stoppable ones.
        bare.stack.pushGlobal("string")
        for name in ["find", "match", "gmatch", "gsub"] {
            bare.stack.pushRegistryValue("luakit.stock.string.\(name)")
            bare.stack.setField(name, in: -2)
        }
        bare.stack.pop()
        let sandboxed = try ScriptRunner(
            output: CapturedOutput(), sandbox: SandboxOptions(timeLimit: 3600)
        ).makeState()
        try sandboxed.startTimeLimit(seconds: 3600)  // armed, as `payrun run --timeout` arms it
        defer { sandboxed.cancelTimeLimit() }
        let bareChunk = try bare.load(workload, chunkName: "=workload")
        let sandboxedChunk = try sandboxed.load(workload, chunkName: "=workload")
        var bareTime = Double.infinity
        var sandboxedTime = Double.infinity
        for _ in 0..<5 {
            bareTime = min(bareTime, try Clock.best(of: 1) { _ = try bare.call(bareChunk) })
            sandboxedTime = min(sandboxedTime, try Clock.best(of: 1) { _ = try sandboxed.call(sandboxedChunk) })
        }
        return BenchmarkResult(
            name: "CPU-bound script in the sandbox (memory cap, time limit, stoppable patterns) vs a bare stock state",
            subject: sandboxedTime, reference: bareTime,
            detail: "sandboxed \(format(sandboxedTime * 1000)) ms, bare \(format(bareTime * 1000)) ms",
            ratioMeaning: "time ratio (target ≤ 1.05)")
    }
}
