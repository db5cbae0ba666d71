// Benchmark 9: the engine a Swift service embeds. Runs a second of a script making one provider
// request, 16 at a time through one shared engine, against the same script run by `payrun run`
// processes one after another (what a service shelling out would do); the engine's own cost per
// run of an empty script; and how soon a cancelled run stops.
import Glibc
import Payrun
import PayrunSimulators

enum EngineBenchmark {
    static let requestScript = #"return payrun.provider("particeep"):get("/user/usr_1").id"#

    static func run(payrun: String) async throws -> [BenchmarkResult] {
        var configuration = SimulatorServer.Configuration()
        configuration.particeep.users = 20
        configuration.particeep.transactions = 20
        let server = try await SimulatorServer.start(configuration)
        defer { Task { await server.stop() } }
        var engineConfiguration = PayrunEngine.Configuration.standard()
        engineConfiguration.sandboxServer = RunningSandbox(url: server.baseURL)
        let engine = PayrunEngine(engineConfiguration)

        let script = Script.text(requestScript, name: "one-request.lua")
        let runs = 2_000
        _ = try await concurrently(100, of: script, on: engine)  // warm: connections, simulators
        let engineStart = Clock.now()
        let results = try await concurrently(runs, of: script, on: engine)
        let engineRate = Double(runs) / (Clock.now() - engineStart)
        guard results.allSatisfy({ $0.values == [.string("usr_1")] }) else { throw Failure(description: "a run did not return usr_1") }

        let path = "/tmp/payrun-bench-engine-\(getpid()).lua"
        try BenchmarkFile.write(requestScript, to: path)
        defer { unlink(path) }
        let processes = 100
        let processStart = Clock.now()
        for _ in 0..<processes {
            _ = try await ChildProcess([payrun, "run", path], environment: ["PAYRUN_SANDBOX_URL=\(server.baseURL)"]).exit()
        }
        let processRate = Double(processes) / (Clock.now() - processStart)

        // The engine's own cost: an empty script, one run at a time, median of many.
        let empty = Script.text("", name: "empty.lua")
        var overheads: [Double] = []
        for _ in 0..<500 {
            let start = Clock.now()
            _ = try await engine.run(empty)
            overheads.append(Clock.now() - start)
        }
        let overhead = overheads.sorted()[overheads.count / 2]
        var processTimes: [Double] = []
        let emptyPath = "/tmp/payrun-bench-engine-empty-\(getpid()).lua"
        try BenchmarkFile.write("", to: emptyPath)
        defer { unlink(emptyPath) }
        for _ in 0..<20 { processTimes.append(try await ChildProcess([payrun, "run", emptyPath]).exit()) }
        let processOverhead = processTimes.sorted()[processTimes.count / 2]

        // Cancellation: from cancelling the task to `run` returning, for a loop and for a request
        // the simulator holds back.
        server.faults.replace(with: try FaultPlan(parsing: "GET /particeep/v1/user/*: latency=30s"))
        var stops: [Double] = []
        for code in ["while true do end", requestScript, "payrun.sleep(30)"] {
            for _ in 0..<5 {
                let task = Task { try await engine.run(.text(code, name: "waits.lua")) }
                try await Task.sleep(for: .milliseconds(100))
                let cancelled = Clock.now()
                task.cancel()
                _ = await task.result
                stops.append(Clock.now() - cancelled)
            }
        }
        server.faults.replace(with: FaultPlan())
        await engine.shutdown()
        let stopMedian = stops.sorted()[stops.count / 2]
        let stopWorst = stops.max() ?? 0

        return [
            BenchmarkResult(
                name: "Runs of a one-request script: one engine, 16 at once, vs `payrun run` processes one after another",
                subject: engineRate, reference: processRate,
                detail: "engine \(format(engineRate)) runs/s (\(runs) runs), processes \(format(processRate)) runs/s",
                ratioMeaning: "the processes' rate"),
            BenchmarkResult(
                name: "An empty script: the engine's cost per run vs a `payrun run` process (medians)",
                subject: overhead, reference: processOverhead,
                detail: "engine \(format(overhead * 1000)) ms (target < 1 ms), process \(format(processOverhead * 1000)) ms",
                ratioMeaning: "time ratio"),
            BenchmarkResult(
                name: "A cancelled run, in a loop, a held request or a sleep: cancel to return (15 runs)",
                subject: stopMedian, reference: 0.1,
                detail: "median \(format(stopMedian * 1000)) ms, worst \(format(stopWorst * 1000)) ms (target < 100 ms)",
                ratioMeaning: "of the 100 ms target"),
        ]
    }

    /// Runs `script` `count` times, 16 at a time.
    static func concurrently(_ count: Int, of script: Script, on engine: PayrunEngine) async throws -> [ScriptResult] {
        try await withThrowingTaskGroup(of: ScriptResult.self) { group in
            var results: [ScriptResult] = []
            var started = 0
            for _ in 0..<min(16, count) {
                group.addTask { try await engine.run(script) }
                started += 1
            }
            for try await result in group {
                results.append(result)
                if started < count {
                    group.addTask { try await engine.run(script) }
                    started += 1
                }
            }
            return results
        }
    }
}
