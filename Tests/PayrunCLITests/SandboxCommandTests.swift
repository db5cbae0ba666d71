// `payrun sandbox` as a user runs it: serving in the foreground, refusing bad options clearly, and
// `trigger` sending one signed webhook.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PayrunProviderKit
import PayrunProviders
import PayrunTestSupport
import Testing

@Suite struct SandboxCommandTests {
    @Test func badOptionsAreUsageErrorsThatSayWhy() async throws {
        let faults = try await PayrunProcess.run(["sandbox", "--port", "0", "--faults", "status=99"])
        #expect(faults.status == 2)
        #expect(faults.standardError.contains("--faults") && faults.standardError.contains("not an error status"))
        // Said with the command's own usage, and in the system's words.
        #expect(faults.standardError.contains("Usage: payrun sandbox serve"), "\(faults.standardError)")
        let data = try await PayrunProcess.run(["sandbox", "--port", "0", "--data", "/nonexistent/start.json"])
        #expect(data.status == 2)
        #expect(data.standardError.hasPrefix("Error: --data: cannot read /nonexistent/start.json (No such file or directory)\nUsage: payrun sandbox serve"),
                "\(data.standardError)")
        let negative = TestFiles.path("negative") + ".json"
        try #"{"particeep": {"transactions": [{"amount": -5}]}}"#.write(toFile: negative, atomically: true, encoding: .utf8)
        let amount = try await PayrunProcess.run(["sandbox", "--port", "0", "--data", negative])
        #expect(amount.status == 1)
        #expect(amount.standardError.contains("transaction.amount must be a positive integer in minor units (1250 for 12.50), not -5"), "\(amount.standardError)")
        let event = try await PayrunProcess.run(["sandbox", "trigger", "particeep", "user_exploded", "--to", "http://127.0.0.1:1/"])
        #expect(event.status == 2)
        #expect(event.standardError.contains("no event 'user_exploded'"))
        let attempts = try await PayrunProcess.run(["sandbox", "trigger", "peex", "peex_callback", "--to", "http://127.0.0.1:1/", "--attempts", "0"])
        #expect(attempts.status == 2 && attempts.standardError.contains("--attempts must be from 1 to 100"), "\(attempts.standardError)")
        let unknown = try await PayrunProcess.run(["sandbox", "trigger", "stripe", "x", "--to", "http://127.0.0.1:1/"])
        #expect(unknown.standardError.contains("no provider 'stripe' sends webhooks here; these do: particeep, tradevest, peex"), "\(unknown.standardError)")
    }

    @Test func aPortInUseIsSaidPlainly() async throws {
        let sandbox = try SandboxProcess()
        let port = try #require(URL(string: sandbox.url)?.port)
        let second = try await PayrunProcess.run(["sandbox", "--port", String(port)])
        #expect(second.status == 1)
        #expect(second.standardError == "Error: 127.0.0.1:\(port) is in use: stop what listens there, or choose another --port\n", "\(second.standardError)")
    }

    @Test func triggerSendsOneSignedEvent() async throws {
        let receiver = try await WebhookReceiver.start()
        let sent = try await PayrunProcess.run(["sandbox", "trigger", "particeep", "transaction_cancelled", "--to", receiver.url])
        let received = try await receiver.wait(for: 2)
        await receiver.stop()
        #expect(sent.status == 0)
        #expect(sent.standardOutput == "transaction_cancelled to \(receiver.url): delivered\n")
        #expect(received.count == 2, "PayrunProcess runs the command twice")
        let hook = try #require(received.first)
        #expect(hook.headers["x-particeep-event"] == "transaction_cancelled")
        #expect(hook.headers["authorization"]?.hasPrefix("PTP:sandbox-particeep-key:") == true)
        let body = try JSONSerialization.jsonObject(with: hook.body) as? [String: Any]
        #expect(body?["status"] as? String == "CANCELLED")
    }

    @Test func triggerSendsTradevestAndPeexWebhooksTheirClientsVerify() async throws {
        let cases: [(any PaymentProvider, String, String)] = [
            (TradevestProvider(), "CUSTOMER_NOTIFICATION", "status"), (PeexProvider(), "peex_callback", "track_id"),
        ]
        for (provider, event, field) in cases {
            let receiver = try await WebhookReceiver.start()
            let sent = try await PayrunProcess.run(["sandbox", "trigger", provider.name, event, "--to", receiver.url])
            let received = try await receiver.wait(for: 1)
            await receiver.stop()
            #expect(sent.status == 0, "\(sent.standardError)")
            let hook = try #require(received.first)
            #expect(String(decoding: hook.body, as: UTF8.self).contains("\"\(field)\""), "a sample shaped like \(provider.name)'s own")
            let credentials = ProviderCredentials(for: provider, in: .sandbox, from: MemoryCredentialStore())
            let webhook = IncomingWebhook(headers: hook.headers.map { ($0.key, $0.value) }, body: Array(hook.body))
            #expect(provider.verify(webhook, with: credentials, now: 0) == .valid, "\(provider.name)'s client accepts it")
        }
        let capitalist = try await PayrunProcess.run(["sandbox", "trigger", "capitalist", "anything", "--to", "http://127.0.0.1:1/"])
        #expect(capitalist.status == 2)
        #expect(capitalist.standardError.contains("'capitalist' sends no webhooks payrun simulates; these do: particeep, tradevest, peex"))
        let unknown = try await PayrunProcess.run(["sandbox", "trigger", "tradevest", "NOPE", "--to", "http://127.0.0.1:1/"])
        #expect(unknown.standardError.contains("tradevest has no event 'NOPE'; its events are CUSTOMER_NOTIFICATION, TRANSFER_NOTIFICATION"))
        // With this command's usage, not payrun's.
        #expect(unknown.standardError.contains("Usage: payrun sandbox trigger <provider> <event>"), "\(unknown.standardError)")
    }

    /// `--webhooks-to` takes a listener's base URL and `trigger --to` its route: given the base,
    /// the 404 says where the route is.
    @Test func triggerToABaseURLSaysWhereTheRouteIs() async throws {
        let receiver = try await ServiceReceiver.start(answering: [.status(404, body: "{}")])
        let sent = try await PayrunProcess.run(["sandbox", "trigger", "peex", "peex_callback", "--to", receiver.url, "--attempts", "1"])
        await receiver.stop()
        #expect(sent.status == 1)
        #expect(sent.standardError.contains("a payrun listener takes peex's events at \(receiver.url)/webhooks/peex"), "\(sent.standardError)")
    }

    /// Sent to another provider's route, the event was refused with only `answered 401`.
    @Test func triggerToAnotherProvidersRouteSaysWhichRouteIsItsOwn() async throws {
        let receiver = try await ServiceReceiver.start(answering: [.status(401, body: "{}")])
        let sent = try await PayrunProcess.run(["sandbox", "trigger", "particeep", "user_deleted", "--to", receiver.url + "/webhooks/peex", "--attempts", "1"])
        await receiver.stop()
        #expect(sent.status == 1)
        #expect(sent.standardError.contains(
            "\(receiver.url)/webhooks/peex is peex's route: a payrun listener takes particeep's events at \(receiver.url)/webhooks/particeep"), "\(sent.standardError)")
    }

    @Test func triggerReportsAReceiverThatNeverAnswers() async throws {
        let sent = try await PayrunProcess.run(["sandbox", "trigger", "particeep", "user_deleted", "--to", "http://127.0.0.1:1/hook", "--attempts", "2", "--timeout", "0.5"])
        #expect(sent.status == 1)
        #expect(sent.standardOutput.contains("failed"))
        #expect(sent.standardError.contains("attempt 2: the connection was refused: nothing is listening at http://127.0.0.1:1/hook"), "\(sent.standardError)")
    }

    @Test func theSandboxServesUntilInterrupted() async throws {
        let process = Process()
        process.executableURL = PayrunProcess.executable
        process.arguments = ["sandbox", "--port", "0", "--quiet", "--seed", "3"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // The banner's first line names the URL; read until it is there (bounded).
        var banner = ""
        let deadline = Date().addingTimeInterval(20)
        while !banner.contains("particeep"), Date() < deadline {
            banner += String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        }
        let url = try #require(banner.split(separator: " ").first { $0.hasPrefix("http://127.0.0.1:") }.map(String.init))
        #expect(banner.contains("api_key=sandbox-particeep-key"))
        let (data, response) = try await URLSession.shared.data(from: URL(string: url + "/_sandbox/requests")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: data, as: UTF8.self) == #"{"requests":[]}"#)
        process.interrupt()
        let stopBy = Date().addingTimeInterval(10)
        while process.isRunning, Date() < stopBy { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!process.isRunning, "Ctrl-C stops it")
    }
}
