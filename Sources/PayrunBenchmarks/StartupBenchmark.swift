// Benchmark 3: wall time of `payrun run empty.lua` against `lua5.4 empty.lua`.
#if canImport(Glibc)
import Glibc
#endif

enum StartupBenchmark {
    static let runs = 40

    static func run(payrun: String) throws -> BenchmarkResult {
        let script = "/tmp/payrun-bench-empty-\(getpid()).lua"
        try BenchmarkFile.write("", to: script)
        defer { unlink(script) }
        var payrunTimes: [Double] = []
        var luaTimes: [Double] = []
        for _ in 0..<runs {
            payrunTimes.append(try time([payrun, "run", script]))
            luaTimes.append(try time(["/usr/bin/lua5.4", script]))
        }
        let payrunMedian = Samples.median(payrunTimes)
        let luaMedian = Samples.median(luaTimes)
        return BenchmarkResult(
            name: "`payrun run` of an empty script vs `lua5.4` (median of \(runs))",
            subject: payrunMedian, reference: luaMedian,
            detail: "payrun \(format(payrunMedian * 1000)) ms, lua5.4 \(format(luaMedian * 1000)) ms (target: payrun ≤ 15 ms)",
            ratioMeaning: "time ratio")
    }


    /// Runs `command` with output discarded and returns its wall time.
    private static func time(_ command: [String]) throws -> Double {
        try ChildProcess(command).wait()
    }
}
