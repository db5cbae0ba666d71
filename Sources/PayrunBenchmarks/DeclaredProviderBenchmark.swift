// A provider declared in Lua against the same provider written in Swift: Particeep as payrun
// builds it in and as docs/examples/providers/particeep.lua declares it, each making 1,000 signed
// GETs from a script through its own engine, in alternating rounds; how long reading the
// definition takes; and, under callgrind, the instructions a GET takes in a `payrun run` process.
import Glibc
import Payrun
import PayrunSimulators

enum DeclaredProviderBenchmark {
    static let script = """
        local p = payrun.provider("particeep")
        for i = 1, 1000 do assert(p:get("/user/usr_1").id == "usr_1") end
        """

    static func run(payrun: String) async throws -> [BenchmarkResult] {
        var configuration = SimulatorServer.Configuration()
        configuration.particeep.users = 20
        // As many as the instruction count's longest run asks for (900).
        configuration.particeep.transactions = 900
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
        var results = [BenchmarkResult(
            name: "A signed GET through Particeep declared in Lua vs built in (1,000 a round, 5 rounds)",
            subject: luaTimes.median, reference: swiftTimes.median,
            detail: "declared \(luaTimes.text(format)) µs, built in \(swiftTimes.text(format)) µs; reading the definition \(loads.text(format)) µs",
            ratioMeaning: "time ratio", roundRatios: ratios)]
        if let counts = try await instructions(payrun: payrun, server: server.baseURL, definition: file) {
            results.append(BenchmarkResult(
                name: "Instructions a signed GET takes in `payrun run`, Particeep declared vs built in (callgrind, 900 GETs less 300)",
                subject: counts.declared, reference: counts.builtIn,
                detail: "declared \(Int(counts.declared / 1000))K, built in \(Int(counts.builtIn / 1000))K", ratioMeaning: "instruction ratio"))
        }
        return results
    }

    /// Instructions a GET takes for each, or nil without valgrind. The declared copy is named
    /// `particeep2`: a definition may not take a built-in's name.
    static func instructions(payrun: String, server: String, definition: String) async throws -> (declared: Double, builtIn: Double)? {
        let folder = "/tmp/payrun-bench-declared-\(getpid())"
        mkdir(folder, 0o755)
        mkdir(folder + "/providers", 0o755)
        defer {
            for file in ["providers/particeep2.lua", "gets-particeep.lua", "gets-particeep2.lua"] { unlink(folder + "/" + file) }
            rmdir(folder + "/providers")
            rmdir(folder)
        }
        guard let text = BenchmarkFile.text(definition) else { throw Failure(description: "cannot read \(definition)") }
        try BenchmarkFile.write(text.replacing("name = \"particeep\"", with: "name = \"particeep2\""), to: folder + "/providers/particeep2.lua")
        var counts: [Double] = []
        for provider in ["particeep2", "particeep"] {
            // Run as `gets N`, as the client benchmark's scripts are.
            let script = folder + "/gets-\(provider).lua"
            try BenchmarkFile.write("""
                local p = payrun.provider("\(provider)")
                for i = 1, tonumber(arg[2]) do p:get("/transaction/txn_" .. i) end
                """, to: script)
            guard let count = try await ClientBenchmark.instructionsPerRequest(
                payrun: payrun, script: script, environment: ["PAYRUN_SANDBOX_URL=\(server)", "PAYRUN_CONFIG=/nonexistent"])
            else { return nil }
            counts.append(count.perRequest)
        }
        return (counts[0], counts[1])
    }
}
