// Benchmark 1: a Swift function bound to Lua against a plain lua_CFunction, called from a loop.
import CReferenceFunctions
import LuaKit

enum FunctionCallBenchmark {
    static let calls = 10_000_000

    static func run() throws -> BenchmarkResult {
        let state = try LuaState()
        try state.open([.base])
        state.setGlobal("swift_increment") { call in
            let n = try call.integer(at: 1)
            call.stack.push(n + 1)
            return 1
        }
        state.stack.push(cFunction: reference_increment)
        state.stack.setGlobal("c_increment")
        let loop = """
            local f, n = ...
            local x = 0
            for _ = 1, n do x = f(x) end
            return x
            """
        let swiftLoop = try state.load(loop, chunkName: "=swift loop")
        let swiftFunction = try state.global("swift_increment")
        let cFunction = try state.global("c_increment")
        var swiftTime = Double.infinity
        var cTime = Double.infinity
        for _ in 0..<3 {  // alternate, so both see the same machine
            cTime = min(cTime, try Clock.best(of: 1) {
                let result = try state.call(swiftLoop, [cFunction, .integer(calls)])
                precondition(result == [.integer(calls)])
            })
            swiftTime = min(swiftTime, try Clock.best(of: 1) {
                let result = try state.call(swiftLoop, [swiftFunction, .integer(calls)])
                precondition(result == [.integer(calls)])
            })
        }
        return BenchmarkResult(
            name: "Swift function call vs C function (10M calls)",
            subject: swiftTime, reference: cTime,
            detail: "Swift \(format(swiftTime * 1e9 / Double(calls))) ns/call, C \(format(cTime * 1e9 / Double(calls))) ns/call",
            ratioMeaning: "time ratio (target ≤ 1.5)")
    }
}
