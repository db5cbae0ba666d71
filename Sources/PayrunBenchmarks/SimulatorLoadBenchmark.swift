// Benchmark 7: the Particeep simulator under `wrk` on loopback (target 15,000 signed searches a
// second, every signature verified), against a bare Hummingbird route answering the same bytes
// in the same run; and the memory a store of 1,000,000 transactions holds (target under 1 GiB).
#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import PayrunSimulators

enum SimulatorLoadBenchmark {
    static let transactions = 1_000_000
    static let seconds = 10
    /// 32 unless `PAYRUN_BENCH_CONNECTIONS` says otherwise (4 and 12 served fewer here).
    static let connections = getenv("PAYRUN_BENCH_CONNECTIONS").flatMap { Int(String(cString: $0)) } ?? 32

    static func run() async throws -> BenchmarkResult {
        guard access("/usr/bin/wrk", X_OK) == 0 else { throw Failure(description: "wrk is not installed (apt-get install wrk)") }
        let before = residentBytes()
        let generationStart = Clock.now()
        var configuration = SimulatorServer.Configuration()
        configuration.particeep.transactions = transactions
        let server = try await SimulatorServer.start(configuration)
        let generation = Clock.now() - generationStart
        let storeBytes = residentBytes() - before
        defer { Task { await server.stop() } }

        let headers = ParticeepSimulator.signedHeaders(
            key: ParticeepSimulator.sandboxAPIKey, secret: ParticeepSimulator.sandboxAPISecret)
        let path = ParticeepSimulator.pathPrefix + (getenv("PAYRUN_BENCH_PATH").map { String(cString: $0) } ?? "/transaction/search?limit=30")
        let sample = try await fetch(server.baseURL + path, headers: headers)
        let particeep = try await wrk(server.baseURL + path, headers: headers)

        let bare = try await BareServer.start(answering: sample)
        let reference = try await wrk("http://127.0.0.1:\(bare.port)" + path, headers: headers)
        await bare.stop()
        await server.stop()

        return BenchmarkResult(
            name: "Particeep simulator: signed GET /v1/transaction/search?limit=30 with wrk (\(connections) connections, \(seconds) s)",
            subject: particeep.requestsPerSecond, reference: reference.requestsPerSecond,
            detail: "\(Int(particeep.requestsPerSecond)) req/s, p99 \(particeep.p99) (target 15,000 req/s); "
                + "bare Hummingbird route with the same \(sample.count)-byte answer: \(Int(reference.requestsPerSecond)) req/s, p99 \(reference.p99); "
                + "store of \(transactions) transactions + 2,000 users and wallets: \(storeBytes >> 20) MiB resident, generated in \(format(generation)) s (target < 1 GiB)",
            ratioMeaning: "of the bare route's throughput")
    }

    struct WrkResult {
        let requestsPerSecond: Double
        let p99: String
    }

    /// Runs wrk against `url` with `headers` and reads its requests/s and 99th percentile.
    /// - Parameter core: the one core wrk runs on, if not any.
    static func wrk(_ url: String, headers: [(String, String)], connections: Int = connections, seconds: Int = seconds, core: Int? = nil) async throws -> WrkResult {
        let outputPath = "/tmp/payrun-bench-wrk-\(getpid()).txt"
        defer { unlink(outputPath) }
        let wrk = ["/usr/bin/wrk", "-t1", "-c\(connections)", "-d\(seconds)s", "--latency"]
        var command = core.map { CoreAffinity.on($0, wrk) } ?? wrk
        for (name, value) in headers { command += ["-H", "\(name): \(value)"] }
        command.append(url)
        // Polled: the server this process runs needs its threads while wrk runs.
        _ = try await ChildProcess(command, output: outputPath).exit()
        guard let text = BenchmarkFile.text(outputPath) else { throw Failure(description: "wrk wrote nothing") }
        if text.contains("Non-2xx") { throw Failure(description: "wrk saw errors:\n\(text)") }
        let lines = text.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        guard let rate = lines.first(where: { $0.first == "Requests/sec:" }).flatMap({ Double($0[1]) }),
            let p99 = lines.first(where: { $0.first == "99%" }).map({ String($0[1]) })
        else { throw Failure(description: "cannot read wrk's output:\n\(text)") }
        return WrkResult(requestsPerSecond: rate, p99: p99)
    }

    /// One signed GET, to learn the answer the bare route will repeat.
    static func fetch(_ url: String, headers: [(String, String)]) async throws -> [UInt8] {
        let outputPath = "/tmp/payrun-bench-sample-\(getpid()).json"
        defer { unlink(outputPath) }
        var command = ["/usr/bin/curl", "-sf", "-o", outputPath]
        for (name, value) in headers { command += ["-H", "\(name): \(value)"] }
        command.append(url)
        _ = try await ChildProcess(command).exit()
        guard let bytes = BenchmarkFile.read(outputPath) else { throw Failure(description: "the signed search failed") }
        return bytes
    }

    /// Resident memory of this process, from /proc (its second field, in pages).
    static func residentBytes() -> Int {
        guard let fields = BenchmarkFile.text("/proc/self/statm")?.split(separator: " "), fields.count >= 2,
            let pages = Int(fields[1])
        else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// The reference: Hummingbird answering fixed bytes, with no signature check and no store.
enum BareServer {
    static func start(answering bytes: [UInt8]) async throws -> RunningApplication {
        let router = Router()
        router.get("**") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        return try await RunningApplication.start(router)
    }
}
