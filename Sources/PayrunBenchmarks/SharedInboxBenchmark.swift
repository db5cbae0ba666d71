// `payrun listen` processes on one PostgreSQL inbox against one on SQLite, in the same run: events
// stored per second under wrk, and events handed to a handler that does nothing per second, with
// one and with three listeners. On a 2-core machine three listeners, three wrk and the server share
// the same cores, so the figure shows what sharing costs, not how it scales. The database round
// trips per event are counted by the server itself (pg_stat_statements).
#if canImport(Glibc)
import Glibc
#endif
import Payrun
import PayrunPostgres
import PayrunTestSupport

enum SharedInboxBenchmark {
    static let rounds = 3
    static let seconds = 3
    static let handled = 2_000

    /// One way of running the listeners.
    struct Setup: Hashable {
        let listeners: Int
        let postgres: Bool
        var name: String { "\(listeners) on \(postgres ? "PostgreSQL" : "SQLite")" }
    }

    static let setups = [Setup(listeners: 1, postgres: false), Setup(listeners: 1, postgres: true), Setup(listeners: 3, postgres: true)]

    static func run(payrun: String) async throws -> [BenchmarkResult] {
        guard access("/usr/bin/wrk", X_OK) == 0 else { throw Failure(description: "wrk is not installed (apt-get install wrk)") }
        let server = try PostgresServer(settings: ["shared_preload_libraries=pg_stat_statements"])
        defer { try? server.stop() }
        let folder = "/tmp/payrun-bench-shared-\(getpid())"
        mkdir(folder, 0o700)
        let handlers = folder + "/handlers.lua"
        try BenchmarkFile.write(#"payrun.on("particeep", "*", function(event) end)"#, to: handlers)
        var stored: [Setup: [(rate: Double, p99: Double)]] = [:]
        var handedOver: [Setup: [Double]] = [:]
        var receiveTrips: [Double] = []
        var handTrips: [Double] = []
        var made = 0
        // Interleaved, so that a noisy minute hits every setup.
        for _ in 1...rounds {
            for setup in setups {
                made += 1
                let place = try State(setup, number: made, folder: folder, server: server)
                let (load, trips) = try await receive(setup, at: place, server: server, payrun: payrun, handlers: handlers, tag: "\(folder)/r\(made)")
                stored[setup, default: []].append(load)
                if let trips { receiveTrips.append(trips) }
                made += 1
                let fresh = try State(setup, number: made, folder: folder, server: server)
                let (rate, handTrip) = try await handOver(setup, at: fresh, server: server, payrun: payrun, handlers: handlers)
                handedOver[setup, default: []].append(rate)
                if let handTrip { handTrips.append(handTrip) }
            }
        }
        let (sqlite, one, three) = (setups[0], setups[1], setups[2])
        func rate(_ setup: Setup) -> Double { Samples.median(stored[setup]!.map(\.rate)) }
        func p99(_ setup: Setup) -> String { format(Samples.median(stored[setup]!.map(\.p99))) }
        func handling(_ setup: Setup) -> Double { Samples.median(handedOver[setup]!) }
        let receiving = BenchmarkResult(
            name: "payrun listen on PostgreSQL: Particeep events verified and stored (wrk, 32 connections in all, \(seconds) s, median of \(rounds)), one listener vs one on SQLite",
            subject: rate(one), reference: rate(sqlite),
            detail: "1 listener: \(Int(rate(one))) stored/s, p99 \(p99(one)) ms; 3 listeners (3 wrk, one each): \(Int(rate(three))) stored/s, "
                + "p99 \(p99(three)) ms; SQLite: \(Int(rate(sqlite))) stored/s, p99 \(p99(sqlite)) ms; "
                + "\(format(Samples.median(receiveTrips))) events per INSERT (one statement with its NOTIFY, its commit flushed); "
                + "2 cores: the listeners (handing events over as they come), wrk and the server share them",
            ratioMeaning: "of SQLite's rate")
        let handing = BenchmarkResult(
            name: "payrun listen on PostgreSQL: \(handled) stored events handed to a handler that does nothing (--concurrency 4 each, median of \(rounds)), one listener vs one on SQLite",
            subject: handling(one), reference: handling(sqlite),
            detail: "1 listener: \(Int(handling(one))) events/s; 3 listeners: \(Int(handling(three))) events/s; SQLite: \(Int(handling(sqlite))) events/s; "
                + "\(format(Samples.median(handTrips))) statements per event handed over (claim, the run's key, its journal, the outcome, the heartbeat); "
                + "each event is a durable run",
            ratioMeaning: "of SQLite's rate")
        return [receiving, handing]
    }

    /// A fresh state store for one measurement.
    struct State {
        let state: String
        /// The database's name on the server, for PostgreSQL.
        let database: String?

        init(_ setup: Setup, number: Int, folder: String, server: PostgresServer) throws {
            if setup.postgres {
                let name = "bench_\(number)"
                try server.createDatabase(name)
                try server.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", in: name)
                state = server.url(database: name)
                database = name
            } else {
                mkdir(folder + "/\(number)", 0o700)
                state = folder + "/\(number)/state.db"
                database = nil
            }
        }

        func inbox() async throws -> any InboxStore {
            if database != nil { return try await PostgresInboxStore.open(state) }
            return try await SQLiteInboxStore.open(at: state)
        }
    }

    /// The listeners under wrk for ``seconds`` (one wrk each): the summed rate, the worst p99, and
    /// for PostgreSQL the events each INSERT stored (the batches' size).
    static func receive(
        _ setup: Setup, at place: State, server: PostgresServer, payrun: String, handlers: String, tag: String
    ) async throws -> (load: (rate: Double, p99: Double), trips: Double?) {
        let listeners = try await start(setup.listeners, at: place, payrun: payrun, handlers: handlers)
        defer { stop(listeners) }
        if let name = place.database { _ = try server.value("SELECT pg_stat_statements_reset()", in: name) }
        let results = try await withThrowingTaskGroup(of: (rate: Double, p99: Double, requests: Int).self) { group in
            for (index, listener) in listeners.enumerated() {
                group.addTask {
                    try await ListenBenchmark.wrk(
                        "http://127.0.0.1:\(listener.port)/webhooks/particeep", script: "\(tag)-\(index).lua", tag: "\(tag)-\(index)",
                        connections: 32 / setup.listeners)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        var trips: Double?
        let inbox = try await place.inbox()
        let kept = try await inbox.counts().values.reduce(0, +)
        await inbox.close()
        let requests = results.map(\.requests).reduce(0, +)
        if kept < requests { throw Failure(description: "wrk had \(requests) answers but the inbox holds \(kept) events") }
        if let name = place.database {
            // The listeners hand events over while they receive: only the inserts are the receiving.
            let inserts = Int(try server.value("""
                SELECT COALESCE(SUM(calls), 0) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
                WHERE d.datname = '\(name)' AND query LIKE 'INSERT INTO payrun.events%'
                """, in: name)) ?? 0
            trips = Double(kept) / Double(max(inserts, 1))
        }
        return ((results.map(\.rate).reduce(0, +), results.map(\.p99).max() ?? 0), trips)
    }

    /// Events per second handed from the inbox to the handler: the listeners wait, then
    /// ``handled`` events are stored at once (the stores wake them) and timed until all are handled.
    static func handOver(_ setup: Setup, at place: State, server: PostgresServer, payrun: String, handlers: String) async throws -> (rate: Double, trips: Double?) {
        let listeners = try await start(setup.listeners, at: place, payrun: payrun, handlers: handlers)
        defer { stop(listeners) }
        let inbox = try await place.inbox()
        if let name = place.database { _ = try server.value("SELECT pg_stat_statements_reset()", in: name) }
        let start = Clock.now()
        for batch in 0..<(handled / 200) {
            _ = try await inbox.store((0..<200).map { n in
                ReceivedEvent(provider: "particeep", type: "transaction_created", key: "e-\(batch)-\(n)", headers: [],
                              body: Array(#"{"n": \#(n)}"#.utf8), receivedAt: 0)
            })
        }
        while try await inbox.counts()[.handled, default: 0] < handled {
            guard Clock.now() - start < 300 else { throw Failure(description: "the listeners did not hand \(handled) events over within 300 s") }
            try await Task.sleep(for: .milliseconds(20))
        }
        let elapsed = Clock.now() - start
        await inbox.close()
        var trips: Double?
        if let name = place.database, setup.listeners == 1 {
            // Less this benchmark's own: the stores and the counting.
            let own = handled / 200
            trips = try Double(statements(server, name, excluding: "GROUP BY state") - own) / Double(handled)
        }
        return (Double(handled) / elapsed, trips)
    }

    /// The statements the server ran in database `name` since the last reset, less those whose
    /// text contains `excluding` and the statistics' own.
    static func statements(_ server: PostgresServer, _ name: String, excluding: String) throws -> Int {
        Int(try server.value("""
            SELECT COALESCE(SUM(calls), 0) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
            WHERE d.datname = '\(name)' AND query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%\(excluding)%'
            """, in: name)) ?? 0
    }

    /// A running `payrun listen`.
    struct Listener {
        let process: ChildProcess
        let port: Int
    }

    /// Starts `count` listeners on the store, each on a port of its own, and waits until each accepts connections.
    static func start(_ count: Int, at place: State, payrun: String, handlers: String) async throws -> [Listener] {
        var listeners: [Listener] = []
        for _ in 0..<count {
            let port = loopbackFreePort()
            let process = try ChildProcess(
                [payrun, "listen", handlers, "--port", String(port), "--state", place.state, "--concurrency", "4"], errors: "/dev/null")
            listeners.append(Listener(process: process, port: port))
        }
        for listener in listeners {
            let deadline = Clock.now() + 60
            while !accepts(listener.port) {
                guard Clock.now() < deadline else { throw Failure(description: "payrun listen did not start on port \(listener.port)") }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        return listeners
    }

    /// SIGTERM to each, and waits for them to end.
    static func stop(_ listeners: [Listener]) {
        for listener in listeners { kill(listener.process.pid, SIGTERM) }
        for listener in listeners {
            var status: Int32 = 0
            waitpid(listener.process.pid, &status, 0)
        }
    }

    /// Whether something accepts connections on the loopback port.
    static func accepts(_ port: Int) -> Bool {
        guard let descriptor = loopbackConnection(to: port) else { return false }
        close(descriptor)
        return true
    }

}
