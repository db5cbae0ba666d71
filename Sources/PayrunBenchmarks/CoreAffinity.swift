// Which cores this process's threads may run on. The client benchmark uses it to keep its
// simulator on one core while a client runs on the other, as a provider on another machine would
// be: on a shared machine the scheduler otherwise puts a client's thread on the core the
// simulator's threads have just used, and the two evict each other's code from the caches.
#if canImport(Glibc)
import Glibc
#endif

enum CoreAffinity {
    /// The cores online.
    static var cores: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// Whether cores can be chosen here: two or more, and `taskset` to choose them with
    /// (`sched_setaffinity` is not in Swift's Glibc module).
    static var available: Bool { cores >= 2 && access(taskset, X_OK) == 0 }

    static let taskset = "/usr/bin/taskset"

    /// `command` run on `core` alone.
    static func on(_ core: Int, _ command: [String]) -> [String] {
        [taskset, "-c", String(core)] + command
    }

    /// Puts every thread of this process on `core` alone. Threads started later inherit it
    /// from the thread that starts them, so the process stays there until ``release()``.
    static func pin(to core: Int) async throws {
        try await apply(String(core))
    }

    /// Lets every thread of this process run on any core again.
    static func release() async throws {
        try await apply("0-\(cores - 1)")
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
