// A provider declared in Lua against the same provider written in Swift: Particeep as payrun
// builds it in and as docs/examples/providers/particeep.lua declares it, each making 1,000 signed
// GETs from a script through its own engine, in alternating rounds; and how long reading the
// definition takes.
import Payrun
import PayrunSimulators

enum DeclaredProviderBenchmark {
    static let script = """
        local p = payrun.provider("particeep")
        for i = 1, 1000 do assert(p:get("/user/usr_1").id == "usr_1") end
        """

    static func run() async throws -> [BenchmarkResult] {
        var configuration = SimulatorServer.Configuration()
        configuration.particeep.users = 20
        configuration.particeep.transactions = 20
        let server = try await SimulatorServer.start(configuration)
        defer { Task { await server.stop() } }
        let file = "docs/examples/providers/particeep.lua"
        var loads = Samples()
        var declared: DeclaredProvider?
        for _ in 0..<20 {
            let start = Clock.now()
            declared = try DeclaredProvider(file: file)
            loads.add((Clock.now() - start) * 1e6)
        }
        func engine(_ provider: any PaymentProvider) -> PayrunEngine {
            var engineConfiguration = PayrunEngine.Configuration.standard()
            engineConfiguration.providers.register(provider)
            engineConfiguration.sandboxServer = RunningSandbox(url: server.baseURL)
            return PayrunEngine(engineConfiguration)
        }
        let swift = engine(ParticeepProvider())
        let lua = engine(declared!)
        let code = Script.text(script, name: "gets.lua")
        func timed(_ engine: PayrunEngine) async throws -> Double {
            let start = Clock.now()
            let result = try await engine.run(code)
            guard result.status == .success else { throw Failure(description: "the GETs failed: \(result.error?.description ?? "")") }
            return (Clock.now() - start) * 1e6 / 1000
        }
        _ = try await timed(swift)
        _ = try await timed(lua)
        var swiftTimes = Samples()
        var luaTimes = Samples()
        var ratios = Samples()
        for _ in 0..<5 {
            let a = try await timed(swift)
            let b = try await timed(lua)
            swiftTimes.add(a)
            luaTimes.add(b)
            ratios.add(b / a)
        }
        await swift.shutdown()
        await lua.shutdown()
        return [BenchmarkResult(
            name: "A signed GET through Particeep declared in Lua vs built in (1,000 a round, 5 rounds)",
            subject: luaTimes.median, reference: swiftTimes.median,
            detail: "declared \(luaTimes.text(format)) µs, built in \(swiftTimes.text(format)) µs; reading the definition \(loads.text(format)) µs",
            ratioMeaning: "time ratio", roundRatios: ratios)]
    }
}
