// Benchmark 5: payrun's stoppable pattern functions against stock Lua's, on the same text.
import LuaKit

enum PatternBenchmark {
    static let workload = """
        local string = ...
        local csv = ("tx_1042,120.00,EUR,settled,2026-11-20T12:00:00Z\\n"):rep(5000)
        local n = 0
        for _ = 1, 10 do
          for id, amount, currency in string.gmatch(csv, "(tx_%d+),([%d.]+),(%u+)") do n = n + 1 end
          n = n + select(2, string.gsub(csv, "settled", "paid"))
          n = n + select(2, string.gsub(csv, "%d%d%d%d%-%d%d%-%d%d", function(d) return d end))
          n = n + (string.find(csv, "EUR,pending", 1, true) or 0) + (string.find(csv, "T%d+:%d+:%d+Z$") or 0)
          n = n + #string.match(csv, "^(.-)\\n")
        end
        return n
        """

    static func run() throws -> BenchmarkResult {
        let state = try LuaState()
        try state.open([.base, .string, .table])
        let stack = state.stack
        try stack.reserve(4)
        stack.pushGlobal("string")
        stack.pushTable(fieldCapacity: 4)  // stack: string stock
        for name in ["find", "match", "gmatch", "gsub"] {
            stack.pushRegistryValue("luakit.stock.string.\(name)")
            stack.setField(name, in: -2)
        }
        let stock = try stack.value(at: -1)
        let ours = try stack.value(at: -2)
        stack.pop(2)
        let chunk = try state.load(workload, chunkName: "=patterns")
        var stockTime = Double.infinity
        var oursTime = Double.infinity
        for _ in 0..<5 {
            stockTime = min(stockTime, try Clock.best(of: 1) { _ = try state.call(chunk, [stock]) })
            oursTime = min(oursTime, try Clock.best(of: 1) { _ = try state.call(chunk, [ours]) })
        }
        return BenchmarkResult(
            name: "find/match/gmatch/gsub over 300 KB of CSV, payrun's stoppable matcher vs stock Lua's",
            subject: oursTime, reference: stockTime,
            detail: "payrun \(format(oursTime * 1000)) ms, stock \(format(stockTime * 1000)) ms",
            ratioMeaning: "time ratio")
    }
}
