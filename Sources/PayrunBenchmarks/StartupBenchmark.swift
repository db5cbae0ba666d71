// Benchmark 3: wall time of `payrun run empty.lua` against `lua5.4 empty.lua`.
#if canImport(Glibc)
import Glibc
#endif

enum StartupBenchmark {
    static let runs = 40

    static func run(payrun: String) throws -> BenchmarkResult {
        let script = "/tmp/payrun-bench-empty-\(getpid()).lua"
        guard let file = fopen(script, "w") else { throw Failure(description: "cannot write \(script)") }
        fclose(file)
        defer { unlink(script) }
        var payrunTimes: [Double] = []
        var luaTimes: [Double] = []
        for _ in 0..<runs {
            payrunTimes.append(try time([payrun, "run", script]))
            luaTimes.append(try time(["/usr/bin/lua5.4", script]))
        }
        let payrunMedian = median(payrunTimes)
        let luaMedian = median(luaTimes)
        return BenchmarkResult(
            name: "`payrun run` of an empty script vs `lua5.4` (median of \(runs))",
            subject: payrunMedian, reference: luaMedian,
            detail: "payrun \(format(payrunMedian * 1000)) ms, lua5.4 \(format(luaMedian * 1000)) ms (target: payrun ≤ 15 ms)",
            ratioMeaning: "time ratio")
    }

    private static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Spawns `command` with output discarded and returns its wall time.
    private static func time(_ command: [String]) throws -> Double {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        let arguments = command.map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        let start = Clock.now()
        var pid: pid_t = 0
        guard posix_spawn(&pid, command[0], &actions, nil, arguments, environ) == 0 else {
            throw Failure(description: "cannot run \(command[0])")
        }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let elapsed = Clock.now() - start
        guard status == 0 else { throw Failure(description: "\(command.joined(separator: " ")) exited with \(status)") }
        return elapsed
    }
}
