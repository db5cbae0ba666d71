// payrun-bench: the figures docs/benchmarks.md reports, each against its reference in one run.
// Run with `swift run -c release payrun-bench`.
#if canImport(Glibc)
import Glibc
#endif
import PayrunConcurrency

// As `payrun sandbox` does: the simulators' tasks run on NIO's event loops, not hop to Swift's
// global pool and back for every request. Must happen on the main thread before any task runs;
// the Lua benchmarks run synchronously and do not notice.
EventLoopGlobalExecutor.install()

/// The `payrun` built beside this executable (same configuration).
let payrunPath: String = {
    let me = CommandLine.arguments[0]
    guard let slash = me.lastIndex(of: "/") else { return "./payrun" }
    return String(me[..<slash]) + "/payrun"
}()

// The `payrun run` processes the benchmarks start keep their runs in a store of their own.
setenv("PAYRUN_STATE", "/tmp/payrun-bench-state-\(getpid())/state.db", 1)

print("| benchmark | figures | ratio |")
print("|---|---|---|")
var failed = false
let benchmarks: [(String, () async throws -> [BenchmarkResult])] = [
    ("calls", { [try FunctionCallBenchmark.run()] }),
    ("json", { [try JSONDecodeBenchmark.run()] }),
    ("startup", { [try StartupBenchmark.run(payrun: payrunPath)] }),
    ("limits", { [try LimitsCostBenchmark.run()] }),
    ("patterns", { [try PatternBenchmark.run()] }),
    ("csv", { try CSVBenchmark.run(payrun: payrunPath) }),
    ("simulators", { [try await SimulatorStartupBenchmark.run()] }),
    ("load", { [try await SimulatorLoadBenchmark.run()] }),
    ("client", { try await ClientBenchmark.run(payrun: payrunPath) }),
    ("engine", { try await EngineBenchmark.run(payrun: payrunPath) }),
    ("declared", { try await DeclaredProviderBenchmark.run(payrun: payrunPath) }),
    ("journal", { try await JournalBenchmark.run() }),
    ("listen", { try await ListenBenchmark.run() }),
    ("listen-shared", { try await SharedInboxBenchmark.run(payrun: payrunPath) }),
    ("store", {
        let appends = try await JournalBenchmark.appendCost()
        return [BenchmarkResult(
            name: "One journal record appended to the SQLite store, flushed to disk vs not (1,000 each)",
            subject: appends.durable, reference: appends.plain,
            detail: "\(format(appends.durable)) µs flushed, \(format(appends.plain)) µs not", ratioMeaning: "time ratio")]
    }),
]
// `payrun-bench NAME...` runs only the named ones (e.g. `payrun-bench startup`), for profiling.
let selected = CommandLine.arguments.dropFirst()
for (name, benchmark) in benchmarks where selected.isEmpty || selected.contains(name) {
    do {
        for result in try await benchmark() { print(result.row) }
    } catch {
        print("| \(name) | failed: \(error) | |")
        failed = true
    }
}
exit(failed ? 1 : 0)
