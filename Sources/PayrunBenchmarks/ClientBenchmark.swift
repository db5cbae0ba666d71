// Benchmark 8: payrun's Particeep client against what a request costs without it: `wrk` on the
// same endpoint (one connection, then 16), and the same work in Python with `requests` (a
// Session, the same signing), which is what operations teams write today. Signed GETs one after
// another, the same with payrun.parallel, paginating 100,000 transactions; payrun's CPU a
// request (getrusage, and instructions under callgrind when valgrind is there); payrun's peak
// memory paginating 1,000,000.
// Every client runs as a process against one simulator in this process, timed whole less the
// time it takes to start and exit doing nothing, measured in the same round (for paging, right
// beside the run). Seven rounds, each running every client in
// turn, so a noisy minute hits them all, each payrun run beside its reference and the two in
// alternating order; each figure is the median, with the least and greatest, and each ratio the
// median of the rounds' own ratios.
// payrun's GETs run about as long as `wrk`'s two seconds (10,000 one after another, 20,000 with
// payrun.parallel): over 2,000, a third of a second, its first request (the connection, the first
// signature, Lua's first calls, 2.5M instructions or some 47 GETs) counted six times as much
// against it as `wrk`'s own start counts against `wrk`. Python's 2,000 take about two seconds.
#if canImport(Glibc)
import Glibc
#endif
import PayrunSimulators

enum ClientBenchmark {
    static let lua = """
        local p = payrun.provider("particeep")
        if arg[1] == "gets" then
          for i = 1, tonumber(arg[2] or 2000) do p:get("/transaction/txn_" .. i) end
        elseif arg[1] == "parallel" then
          local ids = {}
          for i = 1, tonumber(arg[2] or 2000) do ids[i] = "/transaction/txn_" .. i end
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

    /// Seven: the shared rounds' ratios spread over a fifth of their value, and the median of
    /// five moved by several hundredths from run to run.
    static let rounds = 7
    /// GETs one after another, and with payrun.parallel, in a payrun run.
    static let sequentialGETs = 10_000
    static let parallelGETs = 20_000

    /// A client run's wall and CPU seconds, less those of one doing nothing.
    struct Cost {
        var seconds: Double
        var cpu: Double
    }

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
        let payrunRun = { (arguments: [String]) in [payrun, "run", luaPath] + arguments }
        let pythonRun = { (argument: String) in ["/usr/bin/env", "python3", pythonPath, server.baseURL, argument] }
        // Untimed passes first, so every client finds the simulator's records already encoded.
        _ = try await spawn(payrunRun(["gets"]), environment: environment)
        _ = try await spawn(payrunRun(["pages"]), environment: environment)
        let url = server.baseURL + ParticeepSimulator.pathPrefix + "/transaction/txn_1"

        var payrunGets = Samples(), payrunCPU = Samples(), pythonGets = Samples(), pythonCPU = Samples()
        var wrkOne = Samples(), payrunParallel = Samples(), wrkSixteen = Samples(), payrunPages = Samples(), pythonPages = Samples()
        // What the simulator alone takes to serve a page of 1,000: the floor under any client's
        // 100 pages, and so the best ratio to Python any client can show on this machine.
        var wrkPages = Samples()
        let pageURL = server.baseURL + ParticeepSimulator.pathPrefix + "/transaction/search?limit=1000&offset=0"
        // Each round's ratios: payrun to wrk (one connection), to Python, to wrk (16), and paging.
        var sequentialToWrk = Samples(), sequentialToPython = Samples(), parallelToWrk = Samples(), pagesToPython = Samples()
        for round in 0..<rounds {
            // Signed each round: the simulator takes a signature for five minutes either side of its time.
            let headers = signedHeaders()
            // Start-up is measured in each round (the median of three), and for paging right beside
            // each run it is taken from: Python's (some 200 ms, its interpreter and `requests`) is
            // as long as its 100 pages, and measured once before the rounds it was more than the
            // start-ups in them, and left the pages 63–210 ms in one run, where every other run
            // measured 150–430 ms.
            let payrunIdle = try await idle([payrun, "run", emptyPath], environment: environment)
            let pythonIdle = try await idle(pythonRun("none"))
            // Each payrun run beside its reference, first in one round and second in the next,
            // so neither always follows the same neighbour (Python's CPU-bound runs, a page
            // benchmark) and a slow minute falls on both sides of a pair.
            try await inTurn(round) {
                let gets = try await cost(payrunRun(["gets", String(sequentialGETs)]), environment: environment, less: payrunIdle)
                payrunGets.add(Double(sequentialGETs) / gets.seconds)
                payrunCPU.add(gets.cpu / Double(sequentialGETs) * 1e6)
            } and: {
                wrkOne.add(try await SimulatorLoadBenchmark.wrk(url, headers: headers, connections: 1, seconds: 2).requestsPerSecond)
            }
            let python = try await cost(pythonRun("gets"), less: pythonIdle)
            pythonGets.add(2000 / python.seconds)
            pythonCPU.add(python.cpu / 2000 * 1e6)
            try await inTurn(round) {
                let parallel = try await cost(payrunRun(["parallel", String(parallelGETs)]), environment: environment, less: payrunIdle)
                payrunParallel.add(Double(parallelGETs) / parallel.seconds)
            } and: {
                wrkSixteen.add(try await SimulatorLoadBenchmark.wrk(url, headers: headers, connections: 16, seconds: 2).requestsPerSecond)
            }
            try await inTurn(round) {
                // Start-up is most of a paging run's time on either side: measured right beside it.
                let idleNow = try await idle([payrun, "run", emptyPath], environment: environment)
                payrunPages.add(try await cost(payrunRun(["pages"]), environment: environment, less: idleNow).seconds)
            } and: {
                let idleNow = try await idle(pythonRun("none"))
                pythonPages.add(try await cost(pythonRun("pages"), less: idleNow).seconds)
            }
            wrkPages.add(100 / (try await SimulatorLoadBenchmark.wrk(pageURL, headers: headers, connections: 1, seconds: 2).requestsPerSecond))
            sequentialToWrk.add(payrunGets.values.last! / wrkOne.values.last!)
            sequentialToPython.add(payrunGets.values.last! / pythonGets.values.last!)
            parallelToWrk.add(payrunParallel.values.last! / wrkSixteen.values.last!)
            pagesToPython.add(pythonPages.values.last! / payrunPages.values.last!)
        }
        let apart = try await sequentialOnSeparateCores(payrunRun(["gets", String(sequentialGETs)]), emptyRun: [payrun, "run", emptyPath], environment: environment, url: url)
        let instructions = try await instructionsPerRequest(payrun: payrun, script: luaPath, environment: environment)
        await server.stop()

        configuration.particeep.transactions = 1_000_000
        let big = try await SimulatorServer.start(configuration)
        // Through /usr/bin/time: a spawned child's own rusage would count this process's pages.
        let timed = ["/usr/bin/time", "-f", "%M", "-o", "/tmp/payrun-bench-rss-\(getpid())"] + payrunRun(["pages"])
        let million = try await spawn(timed, environment: ["PAYRUN_SANDBOX_URL=\(big.baseURL)"])
        await big.stop()
        let peakKilobytes = BenchmarkFile.text("/tmp/payrun-bench-rss-\(getpid())")?.split(separator: "\n").first.flatMap { Int($0) } ?? -1
        unlink("/tmp/payrun-bench-rss-\(getpid())")

        let rate = { (value: Double) in String(Int(value.rounded())) }
        let microseconds = { (value: Double) in String(Int(value.rounded())) }
        // Paging's times in milliseconds: in seconds with two decimals, 0.054 and 0.074 s both
        // showed as 0.07.
        let milliseconds = { (seconds: Double) in String(Int((seconds * 1000).rounded())) }
        return [
            BenchmarkResult(
                name: "10,000 signed GETs one after another: payrun vs `wrk -t1 -c1` (2 s) on the same endpoint, start-up excluded",
                subject: payrunGets.median, reference: wrkOne.median,
                detail: "payrun \(payrunGets.text(rate)) req/s, wrk \(wrkOne.text(rate)) req/s",
                ratioMeaning: "of wrk's rate (target ≥ 0.8)", roundRatios: sequentialToWrk),
        ] + (apart.map { apart in [
            BenchmarkResult(
                name: "The same 10,000 GETs with the simulator on one core and the client on the other, as a provider on another machine would be: payrun vs `wrk -t1 -c1`",
                subject: apart.payrun.median, reference: apart.wrk.median,
                detail: "payrun \(apart.payrun.text(rate)) req/s, wrk \(apart.wrk.text(rate)) req/s",
                ratioMeaning: "of wrk's rate (the target is for the shared cores above)", roundRatios: apart.ratios),
        ] } ?? []) + [
            BenchmarkResult(
                name: "The same GETs' rate: payrun vs Python `requests` (a Session, 2,000 GETs)",
                subject: payrunGets.median, reference: pythonGets.median,
                detail: "payrun \(payrunGets.text(rate)) req/s, Python \(pythonGets.text(rate)) req/s",
                ratioMeaning: "Python's rate (target ≥ 3)", roundRatios: sequentialToPython),
            BenchmarkResult(
                name: "20,000 GETs with payrun.parallel (concurrency 16) vs `wrk -c16` (2 s) on the same endpoint, start-up excluded",
                subject: payrunParallel.median, reference: wrkSixteen.median,
                detail: "payrun \(payrunParallel.text(rate)) req/s, wrk \(wrkSixteen.text(rate)) req/s",
                ratioMeaning: "of wrk's rate (target ≥ 0.6)", roundRatios: parallelToWrk),
            BenchmarkResult(
                name: "Paginating 100,000 transactions (pages of 1,000): payrun vs Python `requests`; payrun's peak memory paginating 1,000,000",
                subject: pythonPages.median, reference: payrunPages.median,
                detail: "payrun \(payrunPages.text(milliseconds)) ms, Python \(pythonPages.text(milliseconds)) ms; "
                    + "the simulator alone serves the 100 pages in \(wrkPages.text(milliseconds)) ms (`wrk -c1` on one page), "
                    + "so no client can be more than \(format(pythonPages.median / wrkPages.median))x Python here; "
                    + "1,000,000 items in \(format(million)) s with payrun's peak RSS \(peakKilobytes / 1024) MB (target < 50 MB)",
                ratioMeaning: "Python's speed (target ≥ 3)", roundRatios: pagesToPython),
            BenchmarkResult(
                name: "Client CPU a sequential GET (user + system, getrusage, start-up excluded): payrun vs Python",
                subject: pythonCPU.median, reference: payrunCPU.median,
                detail: "payrun \(payrunCPU.text(microseconds)) µs, Python \(pythonCPU.text(microseconds)) µs"
                    + (instructions.map {
                        "; payrun \(Int($0.perRequest / 1000))K instructions a request (callgrind, 900 GETs less 300), "
                            + "and \(format($0.firstRequest / 1e6))M more for the first (300 GETs less none, less 300 of the others)"
                    } ?? ""),
                ratioMeaning: "Python's CPU a request / payrun's"),
        ]
    }

    /// Sequential GETs, payrun's and `wrk -t1 -c1`'s in alternating order for as many rounds
    /// (after the shared rounds, not among them), with every thread of this process (the
    /// simulator's) on core 0 and the client on core 1, as with a provider on another machine,
    /// which takes no core of the client's. Nil on one core, without taskset, or where cores 0 and 1 are not both this
    /// process's to use.
    private static func sequentialOnSeparateCores(
        _ command: [String], emptyRun: [String], environment: [String], url: String
    ) async throws -> (payrun: Samples, wrk: Samples, ratios: Samples)? {
        guard CoreAffinity.available else { return nil }
        return try await CoreAffinity.pinned(to: 0, needing: [0, 1]) {
            var payrunGets = Samples(), wrkOne = Samples(), ratios = Samples()
            let idle = try await idle(CoreAffinity.on(1, emptyRun), environment: environment)
            for round in 0..<rounds {
                try await inTurn(round) {
                    payrunGets.add(Double(sequentialGETs) / (try await cost(CoreAffinity.on(1, command), environment: environment, less: idle).seconds))
                } and: {
                    wrkOne.add(try await SimulatorLoadBenchmark.wrk(url, headers: signedHeaders(), connections: 1, seconds: 2, core: 1).requestsPerSecond)
                }
                ratios.add(payrunGets.values.last! / wrkOne.values.last!)
            }
            return (payrunGets, wrkOne, ratios)
        }
    }

    /// Runs `first` then `second` in even rounds, `second` then `first` in odd ones.
    private static func inTurn(_ round: Int, _ first: () async throws -> Void, and second: () async throws -> Void) async throws {
        if round.isMultiple(of: 2) {
            try await first()
            try await second()
        } else {
            try await second()
            try await first()
        }
    }

    private static func signedHeaders() -> [(String, String)] {
        ParticeepSimulator.signedHeaders(key: ParticeepSimulator.sandboxAPIKey, secret: ParticeepSimulator.sandboxAPISecret)
    }

    /// The median cost of `command` doing nothing, over three runs.
    private static func idle(_ command: [String], environment: [String] = []) async throws -> Cost {
        var seconds = Samples(), cpu = Samples()
        for _ in 0..<3 {
            let (wall, used) = try await ChildProcess(command, environment: environment).exitWithUsage()
            seconds.add(wall)
            cpu.add(used)
        }
        return Cost(seconds: seconds.median, cpu: cpu.median)
    }

    /// What `command` costs beyond `idle`.
    private static func cost(_ command: [String], environment: [String] = [], less idle: Cost) async throws -> Cost {
        let (seconds, cpu) = try await ChildProcess(command, environment: environment).exitWithUsage()
        return Cost(seconds: seconds - idle.seconds, cpu: cpu - idle.cpu)
    }

    /// Instructions a sequential GET takes in the `payrun` process, at the margin: callgrind's
    /// count for 900 GETs less its count for 300, over 600; and how many more the first one
    /// takes (the connection, the first signature, Lua's first calls): the count for 300 less
    /// that for none, less 300 at the margin. Nil without valgrind. Run on a copy without debug
    /// sections, which this valgrind cannot read in a binary linked with the Swift runtime.
    static func instructionsPerRequest(
        payrun: String, script: String, environment: [String]
    ) async throws -> (perRequest: Double, firstRequest: Double)? {
        guard access("/usr/bin/valgrind", X_OK) == 0, access("/usr/bin/strip", X_OK) == 0 else { return nil }
        let copy = "/tmp/payrun-bench-stripped-\(getpid())"
        defer { unlink(copy) }
        _ = try await spawn(["/usr/bin/strip", "--strip-debug", "-o", copy, payrun])
        var counts: [Double] = []
        for requests in [0, 300, 900] {
            let log = "/tmp/payrun-bench-callgrind-\(getpid()).log"
            defer { unlink(log); unlink(log + ".out") }
            _ = try await ChildProcess(
                ["/usr/bin/valgrind", "--tool=callgrind", "--callgrind-out-file=\(log).out", copy, "run", script, "gets", String(requests)],
                errors: log, environment: environment
            ).exit()
            guard let line = BenchmarkFile.text(log)?.split(separator: "\n").first(where: { $0.contains("Collected :") }),
                let count = line.split(separator: " ").last.flatMap({ Double($0) })
            else { throw Failure(description: "callgrind wrote no count") }
            counts.append(count)
        }
        let perRequest = (counts[2] - counts[1]) / 600
        return (perRequest, counts[1] - counts[0] - 300 * perRequest)
    }

    /// Runs `command` (output discarded) with `environment` added, and returns its seconds.
    private static func spawn(_ command: [String], environment: [String] = []) async throws -> Double {
        try await ChildProcess(command, environment: environment).exit()
    }
}
