// Benchmark 10: the journal's cost. A script making 2,000 mutations (Particeep transactions) runs
// through an engine with the SQLite store and through one without, alternately, several times:
// against a simulator answering in 20 ms (a real provider's floor), the time ratio (target
// ≤ 1.05x); against one answering at once, the journal's cost per mutation (target ≤ 250 µs: one
// fsync before each send, nothing more on the request's path); and the store's size per mutation.
import Glibc
import Payrun
import PayrunSimulators

enum JournalBenchmark {
    static let mutations = 2_000

    static let script = Script.text("""
        local particeep = payrun.provider("particeep")
        for i = 1, \(mutations) do
          particeep:put("/transaction", { issuer_id = "usr_1", recipient_id = "usr_2", amount = i, currency = "EUR",
                                          custom = { payout_ref = "PO-" .. i } })
        end
        """, name: "payouts.lua")

    /// The store alone: microseconds per append of one record, flushed to disk and not.
    static func appendCost() async throws -> (durable: Double, plain: Double) {
        let folder = "/tmp/payrun-bench-append-\(getpid())"
        let store = try await SQLiteRunStore.open(at: folder + "/state.db")
        defer { for file in ["state.db", "state.db-wal", "state.db-shm"] { unlink(folder + "/" + file) }; rmdir(folder) }
        let body: JSONValue = .object(["provider": .string("particeep"), "method": .string("PUT"), "path": .string("/transaction"),
                                       "body": .object(["amount": .integer(1500), "currency": .string("EUR")])])
        var figures: [Double] = []
        for durable in [true, false] {
            let start = Clock.now()
            for index in 0..<1_000 {
                try await store.append(JournalRecord(runID: "r_bench", kind: .intent, entry: "m_\(index)", body: body), durable: durable)
            }
            figures.append((Clock.now() - start) * 1_000)
        }
        await store.close()
        return (figures[0], figures[1])
    }

    static func run() async throws -> [BenchmarkResult] {
        let appends = try await appendCost()
        var configuration = SimulatorServer.Configuration()
        configuration.particeep.users = 20
        configuration.particeep.transactions = 0
        let server = try await SimulatorServer.start(configuration)
        defer { Task { await server.stop() } }

        // Answered at once: what the journal itself costs.
        var bare: [Double] = []
        var journaled: [Double] = []
        var sizes: [Double] = []
        _ = try await time(server, journal: false)  // warm: connections, the simulator's tables
        for _ in 0..<5 {
            journaled.append(try await time(server, journal: true, size: &sizes))
            bare.append(try await time(server, journal: false))
        }
        let cost = (Samples.median(journaled) - Samples.median(bare)) / Double(mutations)

        // Answered in 20 ms.
        server.faults.replace(with: try FaultPlan(parsing: "PUT /particeep/v1/transaction: latency=20ms"))
        var slowBare: [Double] = []
        var slowJournaled: [Double] = []
        for _ in 0..<3 {
            slowJournaled.append(try await time(server, journal: true, size: &sizes))
            slowBare.append(try await time(server, journal: false))
        }
        server.faults.replace(with: FaultPlan())

        return [
            BenchmarkResult(
                name: "2,000 mutations answered in 20 ms: journaled vs not (medians of 3)",
                subject: Samples.median(slowJournaled), reference: Samples.median(slowBare),
                detail: "journaled \(format(Samples.median(slowJournaled))) s, not \(format(Samples.median(slowBare))) s (target ≤ 1.05x)",
                ratioMeaning: "time ratio"),
            BenchmarkResult(
                name: "2,000 mutations answered at once: the journal's cost per mutation (medians of 5)",
                subject: cost * 1_000_000, reference: 250,
                detail: "\(format(cost * 1_000_000)) µs per mutation (journaled \(format(Samples.median(journaled))) s, not \(format(Samples.median(bare))) s; "
                    + "target ≤ 250 µs); the store: \(format(Samples.median(sizes))) bytes per mutation; one append alone: "
                    + "\(format(appends.durable)) µs flushed to disk, \(format(appends.plain)) µs not",
                ratioMeaning: "of the 250 µs target"),
        ]
    }

    /// Seconds for the script through a fresh engine, journaled in a fresh store or not.
    static func time(_ server: SimulatorServer, journal: Bool) async throws -> Double {
        var sizes: [Double] = []
        return try await time(server, journal: journal, size: &sizes)
    }

    static func time(_ server: SimulatorServer, journal: Bool, size sizes: inout [Double]) async throws -> Double {
        let folder = "/tmp/payrun-bench-journal-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let path = folder + "/state.db"
        var configuration = PayrunEngine.Configuration.standard()
        configuration.sandboxServer = RunningSandbox(url: server.baseURL)
        let store = journal ? try await SQLiteRunStore.open(at: path) : nil
        configuration.store = store
        let engine = PayrunEngine(configuration)
        let result = try await engine.run(script)
        await engine.shutdown()
        await store?.close()
        guard result.status == .success else { throw Failure(description: "the payouts failed: \(result.error?.description ?? "")") }
        if journal {
            var total = 0
            for file in [path, path + "-wal"] {
                var info = stat()
                if stat(file, &info) == 0 { total += Int(info.st_size) }
            }
            sizes.append(Double(total) / Double(mutations))
            for file in [path, path + "-wal", path + "-shm"] { unlink(file) }
            rmdir(folder)
        }
        return Double(result.duration.components.seconds) + Double(result.duration.components.attoseconds) / 1e18
    }

}
