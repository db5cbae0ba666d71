// A PostgreSQL server the tests own: initdb in a temporary folder, pg_ctl on a free loopback
// port, stopped and deleted at the end. Debian's `postgresql` package provides the programs
// (scripts/test.sh installs it); a server refuses to run as root, so as root it runs as the
// package's `postgres` user.
import Foundation

public final class PostgresServer: @unchecked Sendable {
    public let port: Int
    public let folder: String
    /// The `payrun` user's password, when the server asks for one (else it trusts loopback).
    public let password: String?
    /// `-c NAME=VALUE` settings the server starts with, beside the tests' own.
    private let settings: [String]
    private static let binaries = "/usr/lib/postgresql"

    /// `postgres://payrun@127.0.0.1:PORT/NAME`, a database made for the caller.
    public func url(database: String) -> String { "postgres://payrun@127.0.0.1:\(port)/\(database)" }

    /// Starts a server, or throws saying what is missing. With a `password`, the server asks
    /// for it (SCRAM) instead of trusting every connection.
    /// `settings` are more `NAME=VALUE` server settings (`shared_preload_libraries=pg_stat_statements`).
    public init(password: String? = nil, settings: [String] = []) throws {
        self.password = password
        self.settings = settings
        guard let bin = Self.binaryFolder() else {
            throw Failure(description: "PostgreSQL is not installed (apt-get install postgresql; scripts/test.sh does it)")
        }
        folder = NSTemporaryDirectory() + "payrun-postgres-\(UUID().uuidString)"
        var port = loopbackFreePort()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let asRoot = getuid() == 0
        if asRoot { try Self.run(["/bin/chown", "postgres:postgres", folder]) }
        var authentication = ["--auth=trust"]
        if let password {
            try password.write(toFile: folder + "/password", atomically: true, encoding: .utf8)
            authentication = ["--auth=scram-sha-256", "--pwfile=" + folder + "/password"]
        }
        try Self.run(Self.asServerUser(asRoot, [bin + "/initdb", "-D", folder + "/data", "-U", "payrun"] + authentication + ["-E", "UTF8", "--no-sync"]))
        // The free port was free when asked for, and another process (a test's simulator, a
        // second test process) may have taken it since: then another port, a few times.
        for attempt in 1... {
            do {
                try Self.start(bin: bin, folder: folder, port: port, settings: settings)
                break
            } catch where attempt < 5 && Self.portWasTaken(folder: folder) {
                port = loopbackFreePort()
            }
        }
        self.port = port
        // The server outlives no test process: a watcher stops it and deletes its folder once this
        // process is gone, however it ends.
        let stop = Self.asServerUser(asRoot, [bin + "/pg_ctl", "-D", folder + "/data", "-m", "immediate", "stop"]).joined(separator: " ")
        let watch = "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; \(stop) >/dev/null 2>&1; rm -rf \(folder)"
        guard Self.shell(Self.closingInherited(Self.quoted(["nohup", "sh", "-c", watch])) + " >/dev/null 2>&1 </dev/null &") == 0 else {
            throw Failure(description: "the server's watcher did not start")
        }
    }

    /// The server's own programs are given the password in their environment.
    private var withPassword: [String] { password.map { ["/usr/bin/env", "PGPASSWORD=" + $0] } ?? [] }

    /// Makes database `name` (a fresh one per test keeps tests apart).
    public func createDatabase(_ name: String) throws {
        guard let bin = Self.binaryFolder() else { return }
        try Self.run(withPassword + [bin + "/createdb", "-h", "127.0.0.1", "-p", String(port), "-U", "payrun", name])
    }

    /// A new database named `prefix` and 12 random hex digits, as a URL; made on a thread of its
    /// own, for `createdb` blocks (a fresh database per test keeps tests apart).
    public func freshDatabase(prefix: String) async throws -> String {
        try await offThePool {
            let name = prefix + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
            try self.createDatabase(name)
            return self.url(database: name)
        }
    }

    /// Runs `sql` in database `name` with psql, as a person at a shell would.
    public func execute(_ sql: String, in name: String) throws {
        try Self.run(withPassword + ["/usr/bin/psql", "-h", "127.0.0.1", "-p", String(port), "-U", "payrun", "-d", name, "-v", "ON_ERROR_STOP=1", "-c", sql])
    }

    /// The first column of the first row `sql` returns in database `name` (psql's unaligned output).
    public func value(_ sql: String, in name: String) throws -> String {
        let outputPath = NSTemporaryDirectory() + "payrun-postgres-value-\(UUID().uuidString).txt"
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        try Self.run(withPassword + [
            "/usr/bin/psql", "-h", "127.0.0.1", "-p", String(port), "-U", "payrun", "-d", name, "-v", "ON_ERROR_STOP=1", "-At", "-o", outputPath, "-c", sql,
        ])
        return ((try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "").split(separator: "\n").first.map(String.init) ?? ""
    }

    /// `pg_ctl stop -m fast` (or `immediate`, as a crash would), then start again.
    public func restart(after pause: Double = 0, mode: String = "fast") throws {
        try stop(mode: mode)
        if pause > 0 { Thread.sleep(forTimeInterval: pause) }
        try start()
    }

    /// `pg_ctl start`, after a ``stop(mode:)``.
    public func start() throws {
        guard let bin = Self.binaryFolder() else { return }
        try Self.start(bin: bin, folder: folder, port: port, settings: settings)
    }

    private static func start(bin: String, folder: String, port: Int, settings: [String]) throws {
        let options = (["-p \(port) -k \(folder) -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200"] + settings.map { "-c " + $0 })
            .joined(separator: " ")
        try run(asServerUser(getuid() == 0, [bin + "/pg_ctl", "-D", folder + "/data", "-l", folder + "/server.log", "-o", options, "-w", "-t", "60", "start"]))
    }

    /// Whether the server's last start failed because its port was in use (its log says so),
    /// the log then emptied for the next try.
    private static func portWasTaken(folder: String) -> Bool {
        let log = folder + "/server.log"
        let taken = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("Address already in use")
        if taken { try? "".write(toFile: log, atomically: false, encoding: .utf8) }
        return taken
    }

    public func stop(mode: String = "fast") throws {
        guard let bin = Self.binaryFolder() else { return }
        try Self.run(Self.asServerUser(getuid() == 0, [bin + "/pg_ctl", "-D", folder + "/data", "-m", mode, "-w", "stop"]))
    }

    /// One server for a test process, started at first use: initdb takes about a second.
    public static let shared: Result<PostgresServer, any Error> = Result { try PostgresServer() }

    /// ``shared``, started (the first time) on a thread of its own rather than the caller's.
    public static func sharedOffThePool() async throws -> PostgresServer {
        try await offThePool { try shared.get() }
    }

    private static func binaryFolder() -> String? {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: binaries))?.sorted() ?? []
        return versions.reversed().map { binaries + "/" + $0 + "/bin" }.first { FileManager.default.fileExists(atPath: $0 + "/initdb") }
    }

    private static func asServerUser(_ asRoot: Bool, _ command: [String]) -> [String] {
        asRoot ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + command : command
    }

    /// Runs `command` and waits for it, its output kept for the error. Through a shell of its
    /// own: the server that `pg_ctl start` leaves behind inherits what the command had open, and
    /// Foundation's Process was seen to leave the command unreaped once it had.
    private static func run(_ command: [String]) throws {
        let outputPath = NSTemporaryDirectory() + "payrun-postgres-command-\(UUID().uuidString).txt"
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let status = shell(Self.closingInherited(Self.quoted(command)) + " >" + outputPath + " 2>&1 </dev/null")
        guard status == 0 else {
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            throw Failure(description: "\(command.joined(separator: " ")) failed (\(status)): \(text)")
        }
    }

    /// Runs `commandLine` with `/bin/sh` and waits for it: its wait status, or -1 if it could not
    /// start. Not `system`: glibc's `system` ignores SIGINT and SIGQUIT in the whole process
    /// while the command runs, and a `payrun` another test starts meanwhile would inherit the
    /// ignored SIGINT, so that its Ctrl-C did nothing.
    private static func shell(_ commandLine: String) -> Int32 {
        var argv: [UnsafeMutablePointer<CChar>?] = [String](["/bin/sh", "-c", commandLine]).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/sh", nil, nil, &argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return -1 }
        }
        return status
    }

    /// `command` as one shell word each.
    private static func quoted(_ command: [String]) -> String {
        command.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
    }

    /// A shell command line that runs `quotedCommand` with nothing open but its standard streams.
    /// `system` hands the command every descriptor this process has open, and the server that
    /// `pg_ctl start` leaves running would keep them for its life: the write end of another
    /// test's pipe to its `payrun` child among them, and that test would wait for ever for the
    /// end of the child's output.
    private static func closingInherited(_ quotedCommand: String) -> String {
        let closing = #"for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done; exec "$@""#
        return "/bin/bash -c '" + closing + "' payrun-postgres " + quotedCommand
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }
}
