// `payrun credentials` and `payrun run --env`: set, list, remove, use, never show.
import Foundation
import PayrunTestSupport
import Testing

@Suite struct CredentialsCommandTests {
    let configHome = TestFiles.path("payrun-config")
    var environment: [String: String] { ["XDG_CONFIG_HOME": configHome] }
    var file: String { configHome + "/payrun/credentials.toml" }

    @Test func setListUseAndRemoveWithoutEverShowingTheValue() async throws {
        // Set runs twice (streams apart, then merged), which is harmless: the value is the same.
        let set = try await PayrunProcess.run(["credentials", "set", "particeep.api_secret", "--env", "live"],
                                        input: "sk_live_9d8c7b6a5f\n", environment: environment)
        #expect(set.status == 0, "\(set.standardError)")
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        let list = try await PayrunProcess.run(["credentials", "list"], environment: environment)
        #expect(list.standardOutput == "live\tparticeep.api_secret\t•••• (18 bytes)\n", "18 bytes is too short to show any of")

        let use = try await PayrunProcess.run(
            ["run", "--env", "live", "-e", "print(payrun.credential('particeep.api_secret'), 'sk_live_9d8c7b6a5f')"],
            environment: environment)
        #expect(use.standardOutput == "credential particeep.api_secret (live)\t[redacted particeep.api_secret]\n")

        let sandboxDefault = try await PayrunProcess.run(["run", "-e", "print(payrun.environment)"], environment: environment)
        #expect(sandboxDefault.standardOutput == "sandbox\n")

        let remove = try await PayrunProcess.run(["credentials", "remove", "particeep.api_secret", "--env", "live"], environment: environment)
        #expect(remove.status == 0)
        #expect(try await PayrunProcess.run(["credentials", "list"], environment: environment).standardOutput.hasPrefix("no credentials"))
        for result in [set, list, use, remove] {
            #expect(!result.combined.contains("sk_live_9d8c7b6a5f"))
        }
    }

    /// A variable wins over the file: the list says which value a run gets, and from where.
    @Test func theListSaysWhichValuesComeFromEnvironmentVariables() async throws {
        let set = try await PayrunProcess.run(["credentials", "set", "particeep.api_secret", "--env", "live"],
                                              input: "sk_live_9d8c7b6a5f\n", environment: environment)
        #expect(set.status == 0, "\(set.standardError)")
        var variables = environment
        variables["PAYRUN_LIVE_PARTICEEP_API_SECRET"] = "sk_from_the_environment_42"
        variables["PAYRUN_TEST_PEEX_API_KEY"] = "pk_test_31"
        let list = try await PayrunProcess.run(["credentials", "list"], environment: variables)
        #expect(list.standardOutput == """
            test\tpeex.api_key\t•••• (10 bytes)\tfrom $PAYRUN_TEST_PEEX_API_KEY
            live\tparticeep.api_secret\tsk…42 (26 bytes)\tfrom $PAYRUN_LIVE_PARTICEEP_API_SECRET, over the file's

            """, "\(list.combined)")
        #expect(!list.combined.contains("sk_from_the_environment_42") && !list.combined.contains("sk_live_9d8c7b6a5f"))
    }

    /// A path or a name typed wrong is said, not run past with no credentials.
    @Test func aMissingFileOrAMisspeltNameIsSaid() async throws {
        let missing = try await PayrunProcess.run(["run", "--credentials", "/nonexistent/credentials.toml", "-e", "print(1)"], environment: environment)
        #expect(missing.status == 2 && missing.standardError.contains("--credentials /nonexistent/credentials.toml: there is no such file"),
                "\(missing.standardError)")
        try FileManager.default.createDirectory(atPath: configHome + "/payrun", withIntermediateDirectories: true)
        try "[live.particeep]\napi_secrett = \"sk_live_typo_5309\"\n".write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        let typo = try await PayrunProcess.run(["run", "-e", "print(1)"], environment: environment)
        #expect(typo.status == 0 && typo.standardOutput == "1\n", "\(typo.standardError)")
        #expect(typo.standardError.contains("warning: particeep.api_secrett (live) is no credential of particeep's")
                && typo.standardError.contains("api_key, api_secret") && !typo.standardError.contains("sk_live_typo_5309"), "\(typo.standardError)")
    }

    @Test func aFileOthersCanReadStopsEveryCommand() async throws {
        _ = try await PayrunProcess.run(["credentials", "set", "peex.secret_key", "--env", "test"], input: "peex-secret-1234", environment: environment)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        let run = try await PayrunProcess.run(["run", "-e", "print(1)"], environment: environment)
        #expect(run.status == 2)
        #expect(run.standardError.contains("can be read by others (mode 644); make it yours alone: chmod 600"))
        #expect(!run.standardError.contains("Usage:"), "the file is wrong, not the command line: \(run.standardError)")
        #expect(try await PayrunProcess.run(["credentials", "list"], environment: environment).status == 2)
    }

    @Test func badNamesAndEmptyValuesChangeNothing() async throws {
        #expect(try await PayrunProcess.run(["credentials", "set", "Particeep", "--env", "live"], input: "x", environment: environment).status == 2)
        let empty = try await PayrunProcess.run(["credentials", "set", "particeep.api_key", "--env", "live"], input: "", environment: environment)
        #expect(empty.status == 2)
        #expect(empty.standardError.contains("no value given on standard input"))
        #expect(!FileManager.default.fileExists(atPath: file))
    }

    @Test func aFieldTheProviderNeverReadsIsRefusedAndAServicesAnyFieldIsKept() async throws {
        let typo = try await PayrunProcess.run(["credentials", "set", "peex.secretkey", "--env", "test"], input: "peex-secret-1234", environment: environment)
        #expect(typo.status == 2)
        #expect(typo.standardError.contains(
            "peex has no credential 'secretkey'; its credentials are secret_key, access_token, callback_user, callback_password. Nothing changed."),
            "\(typo.standardError)")
        // A script asking for it is told the same, not to set what cannot be set.
        let asked = try await PayrunProcess.run(["run", "--env", "test", "-e", "payrun.credential('peex.secretkey')"], environment: environment)
        #expect(asked.standardError.contains(
            "no credential peex.secretkey in the test environment: peex has no credential 'secretkey'; its credentials are secret_key, access_token,"),
            "\(asked.standardError)")
        // With this command's usage, not payrun's.
        #expect(typo.standardError.contains("\nUsage: payrun credentials set [--credentials <file>] <provider.field> --env <env>\n"
            + "  See 'payrun credentials set --help' for more information."), "\(typo.standardError)")
        #expect(!typo.combined.contains("peex-secret-1234"))
        #expect(!FileManager.default.fileExists(atPath: file), "nothing was written")
        let service = try await PayrunProcess.run(["credentials", "set", "chat.webhook_url", "--env", "test"], input: "https://chat.example/h", environment: environment)
        #expect(service.status == 0, "\(service.standardError)")
        #expect(try await PayrunProcess.run(["credentials", "list"], environment: environment).standardOutput.contains("chat.webhook_url"))
    }

    @Test func setsAtTheSameTimeKeepEveryValue() async throws {
        // Eight writers at once, each setting a credential of its own: none is lost.
        let names = (1...8).map { "ledger.key_\(["a", "b", "c", "d", "e", "f", "g", "h"][$0 - 1])" }
        try await withThrowingTaskGroup(of: Int32.self) { group in
            for name in names {
                group.addTask { [environment] in
                    try await PayrunProcess.runOnce(["credentials", "set", name, "--env", "test"], environment: environment, input: "value-of-\(name)").status
                }
            }
            for try await status in group { #expect(status == 0) }
        }
        let list = try await PayrunProcess.run(["credentials", "list"], environment: environment)
        for name in names { #expect(list.standardOutput.contains(name), "\(name) was lost: \(list.standardOutput)") }
    }

    @Test func aWriterKilledBeforeItsRenameLeavesTheOldFileWhole() async throws {
        let first = try await PayrunProcess.runOnce(["credentials", "set", "peex.secret_key", "--env", "test"], environment: environment, input: "old-secret-1")
        #expect(first.status == 0)
        let before = try String(contentsOfFile: file, encoding: .utf8)
        var crashing = environment
        crashing["PAYRUN_TEST_CRASH"] = "credentials-before-rename"
        let killed = try await PayrunProcess.runOnce(["credentials", "set", "tradevest.client_id", "--env", "test"], environment: crashing, input: "new-key-2")
        #expect(killed.status == SIGKILL, "the writer was killed: \(killed.standardError)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == before, "the old file is whole")
        let list = try await PayrunProcess.run(["credentials", "list"], environment: environment)
        #expect(list.status == 0 && list.standardOutput.contains("peex.secret_key") && !list.standardOutput.contains("tradevest.client_id"))
        // The next writer is not stopped by what the killed one left.
        let next = try await PayrunProcess.runOnce(["credentials", "set", "tradevest.client_id", "--env", "test"], environment: environment, input: "new-key-3")
        let after = try await PayrunProcess.run(["credentials", "list"], environment: environment)
        #expect(next.status == 0 && after.standardOutput.contains("tradevest.client_id"))
    }
}
