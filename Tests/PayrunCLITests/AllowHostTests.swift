// `--allow-host` and the config file's `allow_hosts` through the built binary, and the
// reconciliation example posting its summary to a chat webhook on loopback without showing it.
import Foundation
import PayrunTestSupport
import Testing

@Suite struct AllowHostTests {
    let folder = TestFiles.path("payrun-allow")

    func environment(config: String? = nil, _ more: [String: String] = [:]) throws -> [String: String] {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var environment = ["PAYRUN_STATE": folder + "/state.db", "PAYRUN_CONFIG": folder + "/config.toml"]
        if let config { try config.write(toFile: folder + "/config.toml", atomically: true, encoding: .utf8) }
        environment.merge(more) { $1 }
        return environment
    }

    @Test func theFlagAndTheConfigFileAllowHostsAndBadEntriesSayWhatIsWrong() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let receiver = try await ServiceReceiver.start()
        let post = #"print(payrun.http.post("\#(receiver.url)/hook", {text = "hi"}).status)"#

        let refused = try await PayrunProcess.runOnce(["run", "-e", post], environment: try environment())
        #expect(refused.status != 0)
        #expect(refused.standardError.contains("127.0.0.1:\(receiver.port) is not an allowed host: allow it with --allow-host 127.0.0.1:\(receiver.port)"))

        let flag = try await PayrunProcess.runOnce(["run", "--allow-host", "127.0.0.1:\(receiver.port)", "-e", post], environment: try environment())
        #expect(flag.status == 0, "\(flag.standardError)")
        #expect(flag.standardOutput == "200\n")

        let config = """
            # hosts payrun.http may reach
            allow_hosts = [
              "hooks.slack.com=chat",   # the team's chat
              "127.0.0.1:\(receiver.port)",
            ]
            """
        let configured = try await PayrunProcess.runOnce(["run", "-e", post], environment: try environment(config: config))
        #expect(configured.status == 0, "\(configured.standardError)")
        #expect(receiver.received.count == 2)

        let badConfig = try await PayrunProcess.runOnce(
            ["run", "-e", post], environment: try environment(config: "allow_hosts = [\"https://hooks.slack.com/x\"]\n"))
        #expect(badConfig.status != 0)
        #expect(badConfig.standardError.contains("config.toml:1: 'https://hooks.slack.com/x' is not an allowed host: give the host alone"), "\(badConfig.standardError)")
        // In an array over many lines, the line of the entry.
        let badEntry = try await PayrunProcess.runOnce(
            ["run", "-e", post], environment: try environment(config: "# hosts\nallow_hosts = [\n  \"hooks.slack.com\",\n  \"https://hooks.slack.com\",\n]\n"))
        #expect(badEntry.standardError.contains("config.toml:4: 'https://hooks.slack.com' is not an allowed host"), "\(badEntry.standardError)")
        #expect(badEntry.status == 2 && !badEntry.standardError.contains("Usage:"), "the flags were right: no usage text")
        let unknown = try await PayrunProcess.runOnce(["run", "-e", post], environment: try environment(config: "\nallow_host = []\n"))
        #expect(unknown.standardError.contains("config.toml:2: unknown setting 'allow_host' (payrun knows allow_hosts)"), "\(unknown.standardError)")
        let badFlag = try await PayrunProcess.runOnce(["run", "--allow-host", "127.0.0.1:99999", "-e", post], environment: try environment())
        #expect(badFlag.status != 0)
        #expect(badFlag.standardError.contains("--allow-host '127.0.0.1:99999' is not an allowed host: expected HOST or HOST:PORT"), "\(badFlag.standardError)")
        #expect(receiver.received.count == 2)
        await receiver.stop()
    }

    @Test func theReconciliationPostsItsSummaryToChatWithoutShowingTheWebhook() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let receiver = try await ServiceReceiver.start()
        let secret = "T01ABC/B02DEF/reconcile-hook-9f3e7d"
        let result = try await PayrunProcess.runOnce(
            ["run", "--verbose", "--allow-host", "127.0.0.1:\(receiver.port)", "--out", folder + "/reports",
             "scripts/examples/reconcile.lua", "scripts/examples/ledger-2023-11-15.csv"],
            environment: try environment(["PAYRUN_SANDBOX_CHAT_WEBHOOK_URL": "\(receiver.url)/services/\(secret)"]))
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.hasSuffix("Summary posted to chat.\n"))
        let posted = receiver.received
        #expect(posted.count == 1)
        #expect(posted.first?.path == "/services/\(secret)")
        let message = try JSONSerialization.jsonObject(with: posted.first?.body ?? Data()) as? [String: String]
        #expect(message?["text"] == "Reconciliation of 2023-11-15: 2 matched, 1 mismatched, 1 missing in our ledger, 1 missing at Particeep. Settled: EUR 10311.00.")
        #expect(result.standardError.contains("POST [redacted chat.webhook_url] → 200"), "\(result.standardError)")
        #expect(!(result.standardOutput + result.standardError).contains("reconcile-hook"))

        // Its host not allowed: the reconciliation is done all the same, its reports kept, and the
        // post that failed is said.
        let unposted = try await PayrunProcess.runOnce(
            ["run", "--out", folder + "/again", "scripts/examples/reconcile.lua", "scripts/examples/ledger-2023-11-15.csv"],
            environment: try environment(["PAYRUN_SANDBOX_CHAT_WEBHOOK_URL": "\(receiver.url)/services/\(secret)"]))
        #expect(unposted.status == 0, "\(unposted.standardError)")
        #expect(unposted.standardError.contains("chat: the summary was not posted: "), "\(unposted.standardError)")
        #expect(!unposted.standardOutput.contains("Summary posted to chat."))
        let reports = try FileManager.default.contentsOfDirectory(atPath: folder + "/again")
        #expect(!reports.isEmpty && !reports.contains { $0.hasSuffix(".partial") }, "\(reports)")
        #expect(receiver.received.count == 1, "nothing more was posted")
        #expect(!(unposted.standardOutput + unposted.standardError).contains("reconcile-hook"))
        await receiver.stop()
    }
}
