// Benchmark 8: payrun's Particeep client against the same work in Python with `requests` (a
// Session, the same signing), which is what operations teams write today: 2,000 signed GETs one
// after another, the same with payrun.parallel against wrk, paginating 100,000 transactions, and
// payrun's peak memory paginating 1,000,000.
// Both run as processes against one simulator in this process; each is timed whole, less the
// time it takes to start and exit doing nothing.
#if canImport(Glibc)
import Glibc
#endif
import PayrunSimulators

enum ClientBenchmark {
    static let lua = """
        local p = payrun.provider("particeep")
        if arg[1] == "gets" then
          for i = 1, 2000 do p:get("/transaction/txn_" .. i) end
        elseif arg[1] == "parallel" then
          local ids = {}
          for i = 1, 2000 do ids[i] = "/transaction/txn_" .. i end
          payrun.parallel(ids, function(path) return p:get(path) end, { concurrency = 16 })
        else
          local n = 0
          for _ in p:paginate("/transaction/search", nil, { page_size = 1000 }) do n = n + 1 end
          print(n)
        end
        """

    static let python = """
        import base64, datetime, hashlib, hmac, sys
        import requests
        key, secret = "sandbox-particeep-key", "sandbox-particeep-secret"
        base = sys.argv[1] + "/particeep/v1"
        session = requests.Session()
        def signed():
            now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            mac = hmac.new(secret.encode(), (secret + key + now).encode(), hashlib.sha1).hexdigest()
            return {"DateTime": now, "Authorization": "PTP:%s:%s" % (key, base64.b64encode(mac.encode()).decode()),
                    "Accept": "application/json"}
        if sys.argv[2] == "gets":
            for i in range(1, 2001):
                reply = session.get(base + "/transaction/txn_%d" % i, headers=signed())
                reply.raise_for_status()
                reply.json()
        elif sys.argv[2] == "pages":
            offset, count = 0, 0
            while True:
                reply = session.get(base + "/transaction/search", params={"limit": 1000, "offset": offset}, headers=signed())
                reply.raise_for_status()
                page = reply.json()
                count += len(page["data"])
                offset += len(page["data"])
                if not page["data"] or offset >= page["total_size"]:
                    break
            print(count)
        """

    static func run(payrun: String) async throws -> [BenchmarkResult] {
        guard access("/usr/bin/env", X_OK) == 0 else { throw Failure(description: "no /usr/bin/env to find python3 with") }
        let luaPath = "/tmp/payrun-bench-client-\(getpid()).lua"
        let pythonPath = "/tmp/payrun-bench-client-\(getpid()).py"
        let emptyPath = "/tmp/payrun-bench-empty-\(getpid()).lua"
        try BenchmarkFile.write(lua, to: luaPath)
        try BenchmarkFile.write(python, to: pythonPath)
        try BenchmarkFile.write("", to: emptyPath)
        defer { for path in [luaPath, pythonPath, emptyPath] { unlink(path) } }

        var configuration = SimulatorServer.Configuration()
        configuration.particeep.transactions = 100_000
        let server = try await SimulatorServer.start(configuration)
        let environment = ["PAYRUN_SANDBOX_URL=\(server.baseURL)"]
        let payrunIdle = try await median(3) { try await spawn([payrun, "run", emptyPath], environment: environment) }
        let pythonIdle = try await median(3) { try await spawn(["/usr/bin/env", "python3", pythonPath, server.baseURL, "none"]) }
        // Untimed passes first, so both clients find the simulator's records already encoded.
        _ = try await spawn([payrun, "run", luaPath, "gets"], environment: environment)
        _ = try await spawn([payrun, "run", luaPath, "pages"], environment: environment)
        let payrunGets = try await spawn([payrun, "run", luaPath, "gets"], environment: environment) - payrunIdle
        let pythonGets = try await spawn(["/usr/bin/env", "python3", pythonPath, server.baseURL, "gets"]) - pythonIdle
        let payrunPages = try await spawn([payrun, "run", luaPath, "pages"], environment: environment) - payrunIdle
        let pythonPages = try await spawn(["/usr/bin/env", "python3", pythonPath, server.baseURL, "pages"]) - pythonIdle
        let payrunParallel = try await spawn([payrun, "run", luaPath, "parallel"], environment: environment) - payrunIdle
        let headers = ParticeepSimulator.signedHeaders(key: ParticeepSimulator.sandboxAPIKey, secret: ParticeepSimulator.sandboxAPISecret)
        let wrk = try await SimulatorLoadBenchmark.wrk(
            server.baseURL + ParticeepSimulator.pathPrefix + "/transaction/txn_1", headers: headers, connections: 16, seconds: 5)
        await server.stop()

        configuration.particeep.transactions = 1_000_000
        let big = try await SimulatorServer.start(configuration)
        // Through /usr/bin/time: a spawned child's own rusage would count this process's pages.
        let timed = ["/usr/bin/time", "-f", "%M", "-o", "/tmp/payrun-bench-rss-\(getpid())", payrun, "run", luaPath, "pages"]
        let million = try await spawn(timed, environment: ["PAYRUN_SANDBOX_URL=\(big.baseURL)"])
        await big.stop()
        let peakKilobytes = BenchmarkFile.text("/tmp/payrun-bench-rss-\(getpid())")?.split(separator: "\n").first.flatMap { Int($0) } ?? -1
        unlink("/tmp/payrun-bench-rss-\(getpid())")

        return [
            BenchmarkResult(
                name: "2,000 signed GETs one after another: payrun vs Python `requests` (Session), start-up excluded",
                subject: 2000 / payrunGets, reference: 2000 / pythonGets,
                detail: "payrun \(Int(2000 / payrunGets)) req/s, Python \(Int(2000 / pythonGets)) req/s",
                ratioMeaning: "Python's rate (target ≥ 3)"),
            BenchmarkResult(
                name: "The same 2,000 GETs with payrun.parallel (concurrency 16) vs wrk on the same endpoint (16 connections), start-up excluded",
                subject: 2000 / payrunParallel, reference: wrk.requestsPerSecond,
                detail: "payrun \(Int(2000 / payrunParallel)) req/s, wrk \(Int(wrk.requestsPerSecond)) req/s (p99 \(wrk.p99))",
                ratioMeaning: "of wrk's rate (target ≥ 0.5)"),
            BenchmarkResult(
                name: "Paginating 100,000 transactions (pages of 1,000): payrun vs Python `requests`; payrun's peak memory paginating 1,000,000",
                subject: pythonPages, reference: payrunPages,
                detail: "payrun \(format(payrunPages)) s, Python \(format(pythonPages)) s; 1,000,000 items in \(format(million)) s "
                    + "with payrun's peak RSS \(peakKilobytes / 1024) MB (target < 100 MB)",
                ratioMeaning: "Python's speed (target ≥ 3)"),
        ]
    }

    private static func median(_ runs: Int, _ measure: () async throws -> Double) async throws -> Double {
        var times: [Double] = []
        for _ in 0..<runs { times.append(try await measure()) }
        return times.sorted()[runs / 2]
    }

    /// Runs `command` (output discarded) with `environment` added, and returns its seconds.
    private static func spawn(_ command: [String], environment: [String] = []) async throws -> Double {
        try await ChildProcess(command, environment: environment).exit()
    }
}
