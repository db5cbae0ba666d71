// Which cores this process's threads may run on. The client benchmark uses it to keep its
// simulator on one core while a client runs on the other, as a provider on another machine would
// be: on a shared machine the scheduler may put a client's thread on a core the simulator's
// threads use, and the two evict each other's code from the caches.
#if canImport(Glibc)
import Glibc
#endif

enum CoreAffinity {
    /// Whether cores can be chosen here: two or more online, and `taskset` to choose them with
    /// (`sched_setaffinity` is not in Swift's Glibc module).
    static var available: Bool { sysconf(Int32(_SC_NPROCESSORS_ONLN)) >= 2 && access(taskset, X_OK) == 0 }

    static let taskset = "/usr/bin/taskset"

    /// `command` run on `core` alone.
    static func on(_ core: Int, _ command: [String]) -> [String] {
        [taskset, "-c", String(core)] + command
    }

    /// Runs `body` with every thread of this process on `core` alone (threads started meanwhile
    /// inherit it from the thread that starts them), then puts every thread back on the cores
    /// the process had, whether `body` throws or not. Nil, running nothing, unless the process
    /// may use every one of `needed` (a cpuset or a `taskset` it was started under may leave
    /// some out).
    static func pinned<Value>(to core: Int, needing needed: [Int], _ body: () async throws -> Value) async throws -> Value? {
        let cores = try await current()
        guard allows(cores, needed) else { return nil }
        let value: Value
        do {
            try await apply(String(core))
            value = try await body()
        } catch {
            try? await apply(cores)
            throw error
        }
        try await apply(cores)
        return value
    }

    /// Whether `list` ("0-3,5", as `taskset -c` writes it) holds every one of `cores`.
    private static func allows(_ list: String, _ cores: [Int]) -> Bool {
        let ranges = list.split(separator: ",").compactMap { part -> ClosedRange<Int>? in
            let bounds = part.split(separator: "-").compactMap { Int($0) }
            guard let low = bounds.first, let high = bounds.last, low <= high else { return nil }
            return low...high
        }
        return cores.allSatisfy { core in ranges.contains { $0.contains(core) } }
    }

    /// The cores this process may run on, as `taskset -c` lists them ("0-3,5").
    private static func current() async throws -> String {
        let path = "/tmp/payrun-bench-affinity-\(getpid())"
        defer { unlink(path) }
        _ = try await ChildProcess([taskset, "-c", "-p", String(getpid())], output: path).exit()
        // "pid 123's current affinity list: 0,1"
        guard let line = BenchmarkFile.text(path), let colon = line.lastIndex(of: ":") else {
            throw Failure(description: "taskset did not say which cores this process has")
        }
        return String(line[line.index(after: colon)...].filter { !$0.isWhitespace })
    }

    /// Every thread's affinity, through `taskset -a -p`. It fails when a thread ends while it
    /// walks them (the one that waited for the last child, say): tried again, a few times.
    private static func apply(_ cores: String) async throws {
        for attempt in 1...5 {
            do {
                _ = try await ChildProcess([taskset, "-a", "-p", "-c", cores, String(getpid())], errors: "/dev/null").exit()
                return
            } catch where attempt < 5 {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }
}
