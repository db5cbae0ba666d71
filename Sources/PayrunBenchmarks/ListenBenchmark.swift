// `payrun listen` under wrk on loopback: verified Particeep events (their signature covers the
// DateTime only, so one set of headers serves the whole run) stored durably in group commits
// before each 200, against the same listener answering 200 without storing, in the same run
// (target 5,000 stored events a second, p99 under 20 ms). Then the handlers: events already in
// the inbox handed to a handler that does nothing, against the same handler run by the engine
// without a store or an inbox.
#if canImport(Glibc)
import Glibc
#endif
import Payrun
import PayrunListener
import PayrunSimulators
import Synchronization

enum ListenBenchmark {
    static let seconds = 5
    static let rounds = 3
    static let connections = 32
    static let handled = 2_000

    static func run() async throws -> [BenchmarkResult] {
        guard access("/usr/bin/wrk", X_OK) == 0 else { throw Failure(description: "wrk is not installed (apt-get install wrk)") }
        let folder = "/tmp/payrun-bench-listen-\(getpid())"
        mkdir(folder, 0o700)
        let handlers = folder + "/handlers.lua"
        try BenchmarkFile.write(#"payrun.on("particeep", "*", function(event) end)"#, to: handlers)
        var stored: [(rate: Double, p99: Double)] = []
        var bare: [(rate: Double, p99: Double)] = []
        var count = 0
        // Interleaved, so that a noisy minute hits both.
        for round in 1...rounds {
            bare.append(try await receive(folder: folder + "/bare-\(round)", handlers: handlers, stores: false).load)
            let measured = try await receive(folder: folder + "/stored-\(round)", handlers: handlers, stores: true)
            stored.append(measured.load)
            count = measured.stored
        }
        let subject = Samples.median(stored.map(\.rate))
        let reference = Samples.median(bare.map(\.rate))
        let receiving = BenchmarkResult(
            name: "payrun listen: Particeep-signed events verified and stored durably (wrk -c\(connections), \(seconds) s, median of \(rounds)) vs the same listener storing nothing",
            subject: subject, reference: reference,
            detail: "\(Int(subject)) stored/s (min \(Int(stored.map(\.rate).min()!)), max \(Int(stored.map(\.rate).max()!))), p99 \(format(Samples.median(stored.map(\.p99)))) ms "
                + "(target 5,000/s, p99 < 20 ms; \(count) events in the last store); answered without storing: \(Int(reference)) /s, p99 \(format(Samples.median(bare.map(\.p99)))) ms",
            ratioMeaning: "of the throughput without storing")

        let inboxRates = try await (1...rounds).asyncMap { round in try await handOver(folder: folder + "/handled-\(round)", handlers: handlers, concurrency: 1) }
        let fourRates = try await (1...rounds).asyncMap { round in try await handOver(folder: folder + "/handled4-\(round)", handlers: handlers, concurrency: 4) }
        let engineRates = try await (1...rounds).asyncMap { _ in try await engineAlone(handlers: handlers) }
        let handling = BenchmarkResult(
            name: "payrun listen: \(handled) stored events handed to a handler that does nothing, one at a time (median of \(rounds)) vs the engine running it with no store",
            subject: Samples.median(inboxRates), reference: Samples.median(engineRates),
            detail: "\(Int(Samples.median(inboxRates))) events/s from the inbox (min \(Int(inboxRates.min()!)), max \(Int(inboxRates.max()!))), each a durable run; "
                + "\(Int(Samples.median(fourRates))) events/s with --concurrency 4; \(Int(Samples.median(engineRates))) runs/s by the engine alone, one at a time",
            ratioMeaning: "of the engine's rate")
        return [receiving, handling]
    }

    /// One listener under wrk for ``seconds``: its rate and p99 (ms), and the events it stored.
    static func receive(folder: String, handlers: String, stores: Bool) async throws -> (load: (rate: Double, p99: Double), stored: Int) {
        mkdir(folder, 0o700)
        let (engine, inbox, runs) = try await open(folder)
        var settings = ListenerConfiguration(owner: "bench")
        settings.port = 0
        settings.storesEvents = stores
        settings.handsOver = false
        let listener = WebhookListener(engine: engine, inbox: inbox, handlers: .file(handlers), configuration: settings, log: ListenerLog { _ in })
        let port = PortBox()
        let serving = Task { try await listener.run { port.set($0) } }
        while port.value == 0 { try await Task.sleep(for: .milliseconds(10)) }
        let result = try await wrk("http://127.0.0.1:\(port.value)/webhooks/particeep", script: folder + "/post.lua", tag: folder)
        serving.cancel()
        _ = try? await serving.value
        let kept = try await inbox.counts().values.reduce(0, +)
        await close(engine, inbox, runs)
        if stores, kept < result.requests { throw Failure(description: "wrk had \(result.requests) answers but the inbox holds \(kept) events") }
        return ((result.rate, result.p99), kept)
    }

    /// Events per second handed from a full inbox to the handler, one at a time.
    static func handOver(folder: String, handlers: String, concurrency: Int) async throws -> Double {
        mkdir(folder, 0o700)
        let (engine, inbox, runs) = try await open(folder)
        for batch in 0..<(handled / 200) {
            _ = try await inbox.store((0..<200).map { n in
                ReceivedEvent(provider: "particeep", type: "transaction_created", key: "e-\(batch)-\(n)", headers: [],
                              body: Array(#"{"n": \#(n)}"#.utf8), receivedAt: 0)
            })
        }
        var settings = ListenerConfiguration(owner: "bench")
        settings.port = 0
        settings.concurrency = concurrency
        let listener = WebhookListener(engine: engine, inbox: inbox, handlers: .file(handlers), configuration: settings, log: ListenerLog { _ in })
        let start = Clock.now()
        let serving = Task { try await listener.run() }
        while try await inbox.counts()[.handled, default: 0] < handled { try await Task.sleep(for: .milliseconds(20)) }
        let elapsed = Clock.now() - start
        serving.cancel()
        _ = try? await serving.value
        await close(engine, inbox, runs)
        return Double(handled) / elapsed
    }

    /// The same handler and events through the engine alone: no journal, no inbox.
    static func engineAlone(handlers: String) async throws -> Double {
        let engine = PayrunEngine(.standard())
        let start = Clock.now()
        for n in 0..<handled {
            var options = RunOptions()
            options.event = HandlerEvent(
                provider: "particeep", type: "transaction_created", id: "e-\(n)", body: Array(#"{"n": \#(n)}"#.utf8),
                receivedAt: "2026-12-01T00:00:00.000Z", attempt: 1)
            let result = try await engine.run(.file(handlers), options: options)
            guard result.handlersRun == 1 else { throw Failure(description: "the handler did not run: \(String(describing: result.error))") }
        }
        let elapsed = Clock.now() - start
        await engine.shutdown()
        return Double(handled) / elapsed
    }

    static func open(_ folder: String) async throws -> (PayrunEngine, SQLiteInboxStore, SQLiteRunStore) {
        let runs = try await SQLiteRunStore.open(at: folder + "/state.db")
        let inbox = try await SQLiteInboxStore.open(at: folder + "/state.db")
        var configuration = PayrunEngine.Configuration.standard()
        configuration.store = runs
        return (PayrunEngine(configuration), inbox, runs)
    }

    static func close(_ engine: PayrunEngine, _ inbox: SQLiteInboxStore, _ runs: SQLiteRunStore) async {
        await engine.shutdown()
        await inbox.close()
        await runs.close()
    }

    /// wrk POSTing a new signed event each request; its rate, p99 in ms and requests made.
    static func wrk(_ url: String, script: String, tag: String, connections: Int = connections) async throws -> (rate: Double, p99: Double, requests: Int) {
        let headers = ParticeepSimulator.signedHeaders(key: ParticeepSimulator.sandboxAPIKey, secret: ParticeepSimulator.sandboxAPISecret)
        var lua = "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n"
        lua += "wrk.headers[\"X-Particeep-Event\"] = \"transaction_created\"\n"
        for (name, value) in headers { lua += "wrk.headers[\"\(name)\"] = \"\(value)\"\n" }
        lua += """
            local n = 0
            request = function()
              n = n + 1
              return wrk.format(nil, nil, nil, '{"id": "\(tag)-' .. n .. '", "amount": 1250, "currency": "EUR", "status": "SUCCEEDED"}')
            end

            """
        try BenchmarkFile.write(lua, to: script)
        let outputPath = "/tmp/payrun-bench-wrk-listen-\(getpid())-\(abs(tag.hashValue)).txt"
        defer { unlink(outputPath) }
        _ = try await ChildProcess(
            ["/usr/bin/wrk", "-t1", "-c\(connections)", "-d\(seconds)s", "--latency", "-s", script, url], output: outputPath).exit()
        guard let text = BenchmarkFile.text(outputPath) else { throw Failure(description: "wrk wrote nothing") }
        if text.contains("Non-2xx") { throw Failure(description: "wrk saw errors:\n\(text)") }
        let lines = text.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        guard let rate = lines.first(where: { $0.first == "Requests/sec:" }).flatMap({ Double($0[1]) }),
            let p99 = lines.first(where: { $0.first == "99%" }).map({ milliseconds(String($0[1])) }),
            let requests = lines.first(where: { $0.count > 2 && $0[1] == "requests" && $0[2] == "in" }).flatMap({ Int($0[0]) })
        else { throw Failure(description: "cannot read wrk's output:\n\(text)") }
        return (rate, p99, requests)
    }

    /// wrk's `1.23ms`, `456.00us`, `1.02s` in milliseconds.
    static func milliseconds(_ text: String) -> Double {
        for (unit, scale) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] where text.hasSuffix(unit) {
            return (Double(text.dropLast(unit.count)) ?? .nan) * scale
        }
        return .nan
    }

}

/// The port a listener reports, read by the task that waits for it.
final class PortBox: Sendable {
    private let port = Atomic<Int>(0)
    var value: Int { port.load(ordering: .acquiring) }
    func set(_ value: Int) { port.store(value, ordering: .releasing) }
}

extension ClosedRange where Bound == Int {
    func asyncMap<T>(_ body: (Int) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for value in self { results.append(try await body(value)) }
        return results
    }
}
