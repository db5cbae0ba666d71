// `--state postgres://…`: runs journaled in a PostgreSQL server the tests start themselves, read
// back by `payrun runs`, shared by processes; the same job never sends from two processes at once.
import Foundation
import PayrunPostgres
import PayrunTestSupport
import Testing

@Suite(.serialized) struct PostgresStateTests {
    /// A new database on the tests' server, as a `--state` URL.
    func database() async throws -> String {
        try await PostgresServer.sharedOffThePool().freshDatabase(prefix: "payrun_cli_")
    }

    /// Waits, up to 30 s, until the simulator has had `count` payments (PUTs).
    static func waitForPayments(_ count: Int, on sandbox: SandboxProcess) async throws {
        let deadline = Date().addingTimeInterval(30)
        while try sandbox.requests().filter({ $0["method"] as? String == "PUT" }).count < count, Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    func script(_ source: String) throws -> String {
        let path = TestFiles.path("payrun-pg") + ".lua"
        try source.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aRunIsJournaledInPostgreSQLAndReadBackByRuns() async throws {
        let sandbox = try SandboxProcess()
        let state = try await database()
        let pay = try script("""
            local particeep = payrun.provider("particeep")
            for i = 1, 3 do particeep:put("/transaction", { issuer_id = "usr_1", recipient_id = "usr_2", amount = i, currency = "EUR" }) end
            print("paid")
            """)
        let paid = try await PayrunProcess.runOnce(["run", "--state", state, pay], environment: ["PAYRUN_SANDBOX_URL": sandbox.url])
        #expect(paid.status == 0 && paid.standardOutput == "paid\n", "\(paid.standardError)")
        let listed = try await PayrunProcess.runOnce(["runs", "list", "--json", "--state", state])
        let runs = try JSONSerialization.jsonObject(with: Data(listed.standardOutput.utf8)) as? [[String: Any]] ?? []
        #expect(runs.count == 1 && runs.first?["status"] as? String == "finished" && runs.first?["mutations"] as? Int == 3, "\(listed.standardOutput)")
        let verified = try await PayrunProcess.runOnce(["runs", "verify", "--state", state])
        #expect(verified.standardOutput.contains("the journal is intact"), "\(verified.standardError)")
        // PAYRUN_STATE names it as well as --state does.
        let again = try await PayrunProcess.runOnce(["runs", "list"], environment: ["PAYRUN_STATE": state])
        #expect(again.standardOutput.contains("finished"))
    }

    @Test func theSameJobFromTwoProcessesAtOnceSendsFromOneOnly() async throws {
        let sandbox = try SandboxProcess()
        let state = try await database()
        let pay = try script("""
            local particeep = payrun.provider("particeep")
            particeep:put("/transaction", { issuer_id = "usr_1", recipient_id = "usr_2", amount = 7, currency = "EUR" })
            payrun.sleep(8)
            print("done")
            """)
        let environment = ["PAYRUN_SANDBOX_URL": sandbox.url]
        async let first = PayrunProcess.runOnce(["run", "--state", state, "--run-key", "nightly", pay], environment: environment)
        try await Self.waitForPayments(1, on: sandbox)
        let second = try await PayrunProcess.runOnce(["run", "--state", state, "--run-key", "nightly", pay], environment: environment)
        #expect(second.status == 1)
        #expect(second.standardError.contains("is still running"), "\(second.standardError)")
        let firstResult = try await first
        #expect(firstResult.status == 0, "\(firstResult.standardError)")
        let puts = try sandbox.requests().filter { $0["method"] as? String == "PUT" }
        #expect(puts.count == 1, "only the first process sent")
    }

    @Test func aSecondRunOfTheSameJobWaitsForTheFirstAndDoesNotPayAgain() async throws {
        let sandbox = try SandboxProcess()
        let state = try await database()
        let pay = try script("""
            local particeep = payrun.provider("particeep")
            particeep:put("/transaction", { issuer_id = "usr_1", recipient_id = "usr_2", amount = 9, currency = "EUR" })
            payrun.sleep(10)
            print("done")
            """)
        let environment = ["PAYRUN_SANDBOX_URL": sandbox.url]
        let arguments = ["run", "--state", state, "--run-key", "weekly", pay]
        async let first = PayrunProcess.runOnce(arguments, environment: environment)
        // Once the first has paid, it holds the job's key for ten more seconds (time for a
        // process to start on a loaded machine).
        try await Self.waitForPayments(1, on: sandbox)
        let waiting = try await PayrunProcess.runOnce(Array(arguments.dropLast()) + ["--wait", "30s", pay], environment: environment)
        #expect(waiting.standardError.contains("is still running") && waiting.standardError.contains("waiting up to 30 s"), "\(waiting.standardError)")
        #expect(waiting.status == 1, "\(waiting.standardError)")
        #expect(waiting.standardError.contains("ended (finished) while this one waited: nothing was sent again"), "\(waiting.standardError)")
        #expect(try await first.status == 0)
        // A run that dies holding the key frees it at once: --wait then resumes it instead.
        let killed = try script("""
            local particeep = payrun.provider("particeep")
            particeep:put("/transaction", { issuer_id = "usr_1", recipient_id = "usr_2", amount = 10, currency = "EUR" })
            if arg[1] == "slow" then payrun.sleep(30) end
            print("done")
            """)
        let process = Process()
        process.executableURL = PayrunProcess.executable
        process.arguments = ["run", "--state", state, "--run-key", "killed", killed, "slow"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Killed once it has paid (its answer is journaled 20 ms later), while it sleeps.
        try await Self.waitForPayments(2, on: sandbox)
        try await Task.sleep(for: .milliseconds(500))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let resumed = try await PayrunProcess.runOnce(["run", "--state", state, "--run-key", "killed", "--wait", "5s", killed], environment: environment)
        #expect(resumed.status == 0 && resumed.standardError.contains("resuming run"), "\(resumed.standardError)")
        let puts = try sandbox.requests().filter { $0["method"] as? String == "PUT" }
        #expect(puts.count == 2, "one payment per job: \(puts.count)")
    }

    @Test func theDatabasePasswordComesFromTheCredentialStoreAndNeverShows() async throws {
        let server = try PostgresServer(password: "admin-\(UUID().uuidString.prefix(8))")
        try server.createDatabase("ops")
        // The role the docs say to make: no superuser, owning payrun's schema and nothing else.
        let password = "db-pass-\(UUID().uuidString.prefix(8))"
        try server.execute("CREATE ROLE payrun_ops LOGIN PASSWORD '\(password)'; CREATE SCHEMA payrun AUTHORIZATION payrun_ops", in: "ops")
        let state = "postgres://payrun_ops@127.0.0.1:\(server.port)/ops"
        let config = TestFiles.path("payrun-pg-config")
        let without = try await PayrunProcess.runOnce(["runs", "list", "--state", state], environment: ["XDG_CONFIG_HOME": config])
        #expect(without.status == 1 && without.standardError.contains("state store \(state)"), "\(without.standardError)")
        // A refused login is said as such, not as a database that did not answer.
        #expect(without.standardError.contains("the database refused the login: it asks for a password, and none was given"), "\(without.standardError)")
        let wrong = try await PayrunProcess.runOnce(["runs", "list", "--state", state], environment: ["XDG_CONFIG_HOME": config, "PGPASSWORD": "not-it"])
        #expect(wrong.status == 1 && wrong.standardError.contains("the database refused the login: password authentication failed for user \"payrun_ops\""), "\(wrong.standardError)")
        let noDatabase = try await PayrunProcess.runOnce(
            ["runs", "list", "--state", "postgres://payrun_ops@127.0.0.1:\(server.port)/nodb"], environment: ["XDG_CONFIG_HOME": config, "PGPASSWORD": password])
        #expect(noDatabase.status == 1 && noDatabase.standardError.contains("database \"nodb\" does not exist; create it (createdb)"), "\(noDatabase.standardError)")
        // Set for the environment the run uses (sandbox); `payrun runs` has no --env and takes the one that has it.
        let set = try await PayrunProcess.run(["credentials", "set", "postgres.password", "--env", "sandbox"], input: password, environment: ["XDG_CONFIG_HOME": config])
        #expect(set.status == 0, "\(set.standardError)")
        let sandbox = try SandboxProcess()
        let pay = try script("""
            local particeep = payrun.provider("particeep")
            particeep:put("/transaction", { issuer_id = "usr_1", recipient_id = "usr_2", amount = 3, currency = "EUR" })
            print("paid")
            """)
        let paid = try await PayrunProcess.runOnce(["run", "--state", state, pay], environment: ["XDG_CONFIG_HOME": config, "PAYRUN_SANDBOX_URL": sandbox.url])
        #expect(paid.status == 0 && paid.standardOutput == "paid\n", "\(paid.standardError)")
        let listed = try await PayrunProcess.runOnce(["runs", "list", "--state", state], environment: ["XDG_CONFIG_HOME": config])
        #expect(listed.status == 0 && listed.standardOutput.contains("finished"), "\(listed.standardError)")
        // Stored for one environment, asked for in another: the refusal says where it is.
        let elsewhere = try await PayrunProcess.runOnce(["run", "--env", "test", "--state", state, "-e", "print(1)"], environment: ["XDG_CONFIG_HOME": config])
        #expect(elsewhere.status == 1 && elsewhere.standardError.contains("(postgres.password is stored for --env sandbox, and this command runs with --env test)"),
                "\(elsewhere.standardError)")
        for output in [without, wrong, noDatabase, paid, listed, elsewhere] {
            #expect(!(output.standardOutput + output.standardError).contains(password), "the password never shows")
        }
        try server.stop()
    }

    @Test func aRunWhoseDatabaseGoesAwayStopsBeforeItsNextPaymentAndResumesOnceItIsBack() async throws {
        // A server of its own: it is stopped in the middle of the run.
        let server = try await offThePool { try PostgresServer() }
        try server.createDatabase("ops")
        let state = server.url(database: "ops")
        let sandbox = try SandboxProcess()
        let pay = try script("""
            local particeep = payrun.provider("particeep")
            particeep:put("/transaction", { issuer_id = "usr_1", recipient_id = "usr_2", amount = 1, currency = "EUR" })
            payrun.sleep(10)
            particeep:put("/transaction", { issuer_id = "usr_1", recipient_id = "usr_2", amount = 2, currency = "EUR" })
            particeep:put("/transaction", { issuer_id = "usr_1", recipient_id = "usr_2", amount = 3, currency = "EUR" })
            print("done")
            """)
        let environment = ["PAYRUN_SANDBOX_URL": sandbox.url]
        let arguments = ["run", "--state", state, "--run-key", "away", pay]
        async let first = PayrunProcess.runOnce(arguments, environment: environment)
        try await Self.waitForPayments(1, on: sandbox)
        // The first answer is journaled 20 ms after it came; then the database goes, as in a crash,
        // well within the ten seconds the script waits (pg_ctl is slow to start on a loaded machine).
        try await Task.sleep(for: .milliseconds(500))
        try server.stop(mode: "immediate")
        let stopped = try await first
        #expect(stopped.status != 0, "\(stopped.standardError)")
        #expect(stopped.standardError.contains("state store \(state)") || stopped.standardError.contains("held this job's key was lost"), "\(stopped.standardError)")
        var puts = try sandbox.requests().filter { $0["method"] as? String == "PUT" }
        #expect(puts.count == 1, "nothing was sent that could not be journaled first")
        try server.start()
        let resumed = try await PayrunProcess.runOnce(arguments, environment: environment)
        #expect(resumed.status == 0 && resumed.standardOutput == "done\n", "\(resumed.standardError)")
        #expect(resumed.standardError.contains("resuming run"), "\(resumed.standardError)")
        puts = try sandbox.requests().filter { $0["method"] as? String == "PUT" }
        #expect(puts.count == 3, "the first payment was not made again: \(puts.count)")
        try server.stop()
    }

    @Test func aNewerSchemaOrAnUnreachableDatabaseIsSaidPlainly() async throws {
        let unreachable = try await PayrunProcess.runOnce(["runs", "--state", "postgres://payrun@127.0.0.1:1/nothing?sslmode=disable"])
        #expect(unreachable.status == 1)
        // Named with its sslmode, as the commands payrun prints with it must be.
        #expect(unreachable.standardError.contains("state store postgres://payrun@127.0.0.1:1/nothing?sslmode=disable"), "\(unreachable.standardError)")
        // Nothing listens there: said, not only that it did not answer.
        #expect(unreachable.standardError.contains("did not answer within 10 s (the first connection: Connection refused)"), "\(unreachable.standardError)")
        let withPassword = try await PayrunProcess.runOnce(["runs", "--state", "postgres://payrun:hunter2@127.0.0.1:1/nothing"])
        #expect(withPassword.status == 1 && withPassword.standardError.contains("PGPASSWORD") && !withPassword.standardError.contains("hunter2"))
        // A password in the query was ignored, and shown by the next error about the URL.
        for url in ["postgres://payrun@127.0.0.1:1/nothing?password=hunter2&sslmode=bogus", "postgres://payrun@127.0.0.1:1/?password=hunter2",
                    "postgres://payrun:hunter2@127.0.0.1:1/nothing?connect_timeout=5", "postgres://payrun:hunter2?x@127.0.0.1:1/nothing",
                    "postgres://payrun:hunter2/x@127.0.0.1:1/nothing",
                    "postgres://payrun@127.0.0.1:1/nothing?sslmode=disable&password=hunter2"] {
            let refused = try await PayrunProcess.runOnce(["runs", "--state", url])
            #expect(refused.status == 1 && refused.standardError.contains("give it in PGPASSWORD"), "\(refused.standardError)")
            #expect(!refused.standardError.contains("hunter2"), "\(refused.standardError)")
        }
        let unknown = try await PayrunProcess.runOnce(["runs", "--state", "postgres://payrun@127.0.0.1:1/nothing?application_name=x"])
        #expect(unknown.status == 1 && unknown.standardError.contains("?application_name is not read: the one parameter payrun reads is ?sslmode="),
                "\(unknown.standardError)")
        let state = try await database()
        let name = String(state.split(separator: "/").last!)
        // Nothing has run with it (a mistyped name, most often): the reading commands refuse it,
        // and leave it without payrun's tables.
        for command in [["runs"], ["inbox"], ["runs", "show", "r_0123456789abcdef"]] {
            let empty = try await PayrunProcess.runOnce(command + ["--state", state])
            #expect(empty.status == 1 && empty.standardError.contains("there are no payrun tables in this database: nothing has been run with it")
                    && empty.standardError.contains("`payrun state migrate` makes them"), "\(command): \(empty.combined)")
        }
        #expect(try PostgresServer.shared.get().value("SELECT to_regnamespace('payrun') IS NULL", in: name) == "t", "no schema was made")
        // Made by a newer payrun: refused, and left as it is.
        let migrated = try await PayrunProcess.runOnce(["state", "migrate", "--state", state])
        #expect(migrated.status == 0 && migrated.standardOutput.contains("its tables are at schema \(PostgresRunStore.schemaVersion), the one this payrun uses"), "\(migrated.standardError)")
        try PostgresServer.shared.get().execute("UPDATE payrun.schema_version SET version = 99", in: name)
        let newer = try await PayrunProcess.runOnce(["runs", "--state", state])
        #expect(newer.status == 1 && newer.standardError.contains("written by a newer payrun (schema 99; this payrun knows up to \(PostgresRunStore.schemaVersion))"), "\(newer.standardError)")
        #expect(try await PayrunProcess.runOnce(["state", "migrate", "--state", state]).status == 1)
    }
}
