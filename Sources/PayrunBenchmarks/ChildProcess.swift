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

    /// Waits for the exit without holding a thread (a server in this process may need them all).
    func exit() async throws -> Double {
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 { try await Task.sleep(for: .milliseconds(2)) }
        return try finished(status)
    }

    /// Waits for the exit without holding a thread, and returns the seconds since the start and
    /// the CPU seconds (user and system) the child used.
    func exitWithUsage() async throws -> (seconds: Double, cpu: Double) {
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, WNOHANG, &usage) == 0 { try await Task.sleep(for: .milliseconds(2)) }
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        return (try finished(status), cpu)
    }

    private func finished(_ status: Int32) throws -> Double {
        let elapsed = Clock.now() - start
        guard status == 0 else { throw Failure(description: "\(command.joined(separator: " ")) exited with \(status)") }
        return elapsed
    }
}
