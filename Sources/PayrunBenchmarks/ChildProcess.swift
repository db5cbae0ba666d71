// Runs the programs the benchmarks measure against (payrun, lua5.4, python3, wrk, curl) as child
// processes, timed from start to exit.
#if canImport(Glibc)
import Glibc
#endif

struct ChildProcess {
    let command: [String]
    let pid: pid_t
    let start: Double

    /// Starts `command` with standard output sent to `output` (discarded by default), standard
    /// error to `errors` (kept as this process's by default) and `environment` (`NAME=value`)
    /// added to this process's.
    init(_ command: [String], output: String = "/dev/null", errors: String? = nil, environment: [String] = []) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if let errors { posix_spawn_file_actions_addopen(&actions, 2, errors, O_WRONLY | O_CREAT | O_TRUNC, 0o600) }
        let arguments = command.map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        var variables: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) }
        var entry = environ
        while let pointer = entry.pointee {
            variables.append(strdup(pointer))
            entry += 1
        }
        variables.append(nil)
        defer { variables.forEach { free($0) } }
        self.command = command
        start = Clock.now()
        var pid: pid_t = 0
        guard posix_spawn(&pid, command[0], &actions, nil, arguments, variables) == 0 else {
            throw Failure(description: "cannot run \(command[0])")
        }
        self.pid = pid
    }

    /// Waits for the exit, blocking this thread, and returns the seconds since the start.
    /// - Throws: when the child did not exit with 0.
    func wait() throws -> Double {
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return try finished(status)
    }

    /// Waits for the exit without holding one of Swift's threads (a server in this process may
    /// need them all): a thread of its own blocks in wait4(2). Polling every 2 ms instead woke
    /// this process 500 times a second, on the two cores the measured client and the server share.
    func exit() async throws -> Double {
        try finished(await Self.reap(pid).status)
    }

    /// Waits for the exit as ``exit()`` does, and returns the seconds since the start and the CPU
    /// seconds (user and system) the child used.
    func exitWithUsage() async throws -> (seconds: Double, cpu: Double) {
        let (status, usage) = await Self.reap(pid)
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        return (try finished(status), cpu)
    }

    /// The exit status and resource usage of `pid`, waited for on a thread started for it.
    private static func reap(_ pid: pid_t) async -> (status: Int32, usage: rusage) {
        await withCheckedContinuation { (continuation: CheckedContinuation<(status: Int32, usage: rusage), Never>) in
            final class Waiter {
                let pid: pid_t
                let continuation: CheckedContinuation<(status: Int32, usage: rusage), Never>
                init(_ pid: pid_t, _ continuation: CheckedContinuation<(status: Int32, usage: rusage), Never>) {
                    self.pid = pid
                    self.continuation = continuation
                }

                func wait() {
                    var status: Int32 = 0
                    var usage = rusage()
                    while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
                    continuation.resume(returning: (status, usage))
                }
            }
            let waiter = Waiter(pid, continuation)
            let retained = Unmanaged.passRetained(waiter)
            var thread = pthread_t()
            let started = pthread_create(&thread, nil, { argument in
                Unmanaged<Waiter>.fromOpaque(argument!).takeRetainedValue().wait()
                return nil
            }, retained.toOpaque())
            if started == 0 {
                pthread_detach(thread)
            } else {
                // No thread to be had: waited for here, holding this one.
                retained.release()
                waiter.wait()
            }
        }
    }

    private func finished(_ status: Int32) throws -> Double {
        let elapsed = Clock.now() - start
        guard status == 0 else { throw Failure(description: "\(command.joined(separator: " ")) exited with \(status)") }
        return elapsed
    }
}
