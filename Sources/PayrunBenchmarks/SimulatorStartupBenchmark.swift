// Benchmark 6: how long the simulators take to start in process (target under 50 ms), the wait
// `payrun run` will add before a script's first request in the sandbox environment.
import PayrunSimulators

enum SimulatorStartupBenchmark {
    static let runs = 20

    /// The median start time, in seconds, for `configuration`.
    static func medianStart(_ configuration: SimulatorServer.Configuration) async throws -> Double {
        var times: [Double] = []
        for _ in 0..<runs {
            let start = Clock.now()
            let server = try await SimulatorServer.start(configuration)
            times.append(Clock.now() - start)
            await server.stop()
        }
        return times.sorted()[runs / 2]
    }

    static func run() async throws -> BenchmarkResult {
        let seeded = try await medianStart(SimulatorServer.Configuration())
        var empty = SimulatorServer.Configuration()
        empty.particeep.users = 1
        empty.particeep.transactions = 1
        let bare = try await medianStart(empty)
        return BenchmarkResult(
            name: "Simulators started in process on a free port (median of \(runs))",
            subject: seeded, reference: 0.050,
            detail: "\(format(seeded * 1000)) ms with 2,000 users and 10,000 transactions generated, \(format(bare * 1000)) ms without data",
            ratioMeaning: "of the 50 ms target")
    }
}
