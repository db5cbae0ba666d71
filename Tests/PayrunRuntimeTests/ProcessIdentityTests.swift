// Which process a durable run's record names: a live pid counts as the run's only while it is
// still the process that began the run's latest attempt.
import Foundation
import PayrunFormats
import PayrunJournal
import PayrunRuntime
import Testing

@Suite struct ProcessIdentityTests {
    /// A run of this process, at `attempts`, whose journal's latest `run.started` is `attempt`'s
    /// and recorded `identity`.
    func run(attempts: Int, startedBy attempt: Int, as identity: String?) -> (RunRecord, [JournalRecord]) {
        let run = RunRecord(
            id: "r_0000000000000001", key: "k", script: "s.lua", scriptDigest: "", arguments: [], environment: "sandbox", user: "u",
            host: RunStart.currentHost, processID: Int(getpid()), startedAt: 0, attempts: attempts)
        var body: [String: JSONValue] = ["attempt": .integer(attempt)]
        if let identity { body["process"] = .string(identity) }
        return (run, [JournalRecord(runID: run.id, kind: .runStarted, body: .object(body))])
    }

    @Test func thisProcessIsKnownByItsBootAndStart() throws {
        let identity = try #require(ProcessIdentity.current)
        #expect(ProcessIdentity.of(Int(getpid())) == identity)
        // Another process has another start, or another pid at least.
        let other = Process()
        other.executableURL = URL(fileURLWithPath: "/bin/sleep")
        other.arguments = ["5"]
        try other.run()
        defer { other.terminate() }
        let otherIdentity = try #require(ProcessIdentity.of(Int(other.processIdentifier)))
        #expect(otherIdentity.split(separator: " ").first == identity.split(separator: " ").first, "one boot")
        #expect(ProcessIdentity.of(Int(Int32.max)) == nil)
    }

    @Test func aLivePidIsTheRunsOnlyWhileItIsTheProcessThatBeganTheAttempt() async throws {
        let identity = try #require(ProcessIdentity.current)
        let host = RunStart.currentHost
        // Recorded by this process: alive.
        let (ours, ourJournal) = run(attempts: 1, startedBy: 1, as: identity)
        #expect(ours.processIsAlive(on: host, startedAs: ProcessIdentity.latest(in: ourJournal, of: ours)))
        // Recorded by another process that had this pid: not the run's.
        let (taken, takenJournal) = run(attempts: 1, startedBy: 1, as: "another-boot 12345")
        #expect(!taken.processIsAlive(on: host, startedAs: ProcessIdentity.latest(in: takenJournal, of: taken)))
        #expect(await taken.describedStatus { takenJournal } == "stopped (process \(getpid()) gone)")
        // A resume claims the run before its run.started is written: the record there is the
        // attempt before's, another process's, and the pid alone decides (alive, so refused).
        let (resumed, resumedJournal) = run(attempts: 2, startedBy: 1, as: "another-boot 12345")
        #expect(ProcessIdentity.latest(in: resumedJournal, of: resumed) == nil)
        #expect(resumed.processIsAlive(on: host, startedAs: ProcessIdentity.latest(in: resumedJournal, of: resumed)))
        #expect(await resumed.describedStatus { resumedJournal } == "running")
        // A run begun before identities were kept: the pid alone.
        let (old, oldJournal) = run(attempts: 1, startedBy: 1, as: nil)
        #expect(old.processIsAlive(on: host, startedAs: ProcessIdentity.latest(in: oldJournal, of: old)))
    }

    /// A killed run's process that nobody reaps is a zombie, which `kill(pid, 0)` still finds: its
    /// run looked alive, and its job was refused until the parent reaped it.
    @Test func aProcessThatEndedButWasNotReapedIsGone() async throws {
        var pid: pid_t = 0
        let arguments = ["/bin/sh", "-c", "exit 0"]
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        #expect(posix_spawn(&pid, "/bin/sh", nil, nil, &argv, environ) == 0)
        defer { var status: Int32 = 0; _ = waitpid(pid, &status, 0) }
        // Not reaped: a zombie once it has exited.
        var state = ""
        for _ in 0..<200 where state != "Z" {
            state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: ")").last?.split(separator: " ").first.map(String.init) ?? ""
            try await Task.sleep(for: .milliseconds(10))
        }
        try #require(state == "Z", "the child is a zombie")
        #expect(kill(pid, 0) == 0, "the pid is still found")
        #expect(!ProcessIdentity.isRunning(Int(pid)))
        let run = RunRecord(
            id: "r_0000000000000002", key: "k", script: "s.lua", scriptDigest: "", arguments: [], environment: "sandbox", user: "u",
            host: RunStart.currentHost, processID: Int(pid), startedAt: 0, attempts: 1)
        #expect(!run.processIsAlive(on: RunStart.currentHost))
        #expect(run.describedStatus == "stopped (process \(pid) gone)")
        #expect(ProcessIdentity.isRunning(Int(getpid())), "this process is running")
    }
}
