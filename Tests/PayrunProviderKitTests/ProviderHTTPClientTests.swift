// The retry rules, proved against the Particeep simulator with faults on purpose: reads and
// deduplicated mutations are retried; a mutation the provider cannot recognise is never resent.
// Each case runs twice: awaited from a task (AsyncHTTPClient) and from a thread that may block
// (plain HTTP sent by that thread, as a script's requests are).
import PayrunLocks
import PayrunProviderKit
import PayrunSimulators
import PayrunTestSupport
import Testing

@Suite struct ProviderHTTPClientTests {
    /// A signed request to the simulator at `server`.
    func request(_ server: SimulatorServer, _ method: String, _ path: String, body: String? = nil, safety: RetrySafety? = nil, fault: String? = nil) -> ProviderRequest {
        var headers = ParticeepSimulator.signedHeaders(key: ParticeepSimulator.sandboxAPIKey, secret: ParticeepSimulator.sandboxAPISecret)
        headers.append(("Content-Type", "application/json"))
        if let fault { headers.append(("Payrun-Fault", fault)) }
        return ProviderRequest(
            method: method, url: server.baseURL + ParticeepSimulator.pathPrefix + path, headers: headers,
            body: body.map { Array($0.utf8) }, retrySafety: safety)
    }

    func withClient(
        faults: String = "", settings: HTTPSettings = HTTPSettings(),
        _ body: (SimulatorServer, ProviderHTTPClient) async throws -> Void
    ) async throws {
        var configuration = SimulatorServer.Configuration()
        configuration.particeep.users = 20
        configuration.particeep.transactions = 100
        configuration.faults = try FaultPlan(parsing: faults)
        try await SimulatorFixture.with(configuration) { server in
            try await SimulatorFixture.with(settings) { transport in
                var policy = RetryPolicy()
                policy.firstDelay = .milliseconds(20)
                try await body(server, ProviderHTTPClient(transport: transport, policy: policy))
            }
        }
    }

    /// `request` sent by `client`, awaited from `origin`: an ordinary task (AsyncHTTPClient) or a
    /// thread that may block (plain HTTP on that thread).
    func send(_ client: ProviderHTTPClient, from origin: WaitingThread.Origin, _ request: ProviderRequest) async throws -> ProviderResponse {
        try await WaitingThread.run(from: origin) { try await client.send(request) }
    }

    @Test(arguments: WaitingThread.Origin.allCases)
    func aReadIsRetriedThroughServerErrors(from origin: WaitingThread.Origin) async throws {
        try await withClient(faults: "GET /particeep/v1/transaction/*: sequence=503,502,ok") { server, client in
            let response = try await send(client, from: origin, request(server, "GET", "/transaction/txn_1"))
            #expect(response.status == 200)
            #expect(response.attempts == 3)
            #expect(server.requests.all.map(\.status) == [503, 502, 200])
        }
    }

    @Test(arguments: WaitingThread.Origin.allCases)
    func retryAfterIsWaitedFor(from origin: WaitingThread.Origin) async throws {
        try await withClient(faults: "GET /particeep/v1/info: sequence=429,ok retry-after=1") { server, client in
            let start = ContinuousClock.now
            let response = try await send(client, from: origin, request(server, "GET", "/info"))
            // A lower bound only: the server asked for a second.
            #expect(ContinuousClock.now - start >= .seconds(1))
            #expect(response.status == 200 && response.attempts == 2)
        }
    }

    @Test(arguments: WaitingThread.Origin.allCases)
    func aMutationThatCannotBeRecognisedIsNeverResent(from origin: WaitingThread.Origin) async throws {
        try await withClient { server, client in
            let create = #"{"amount": 1250, "currency": "EUR"}"#
            let refused = try await send(client, from: origin, request(server, "PUT", "/transaction", body: create, fault: "status=503"))
            #expect(refused.status == 503 && refused.attempts == 1, "a 503 to a create is returned, not retried")
            await #expect {
                try await send(client, from: origin, request(server, "PUT", "/transaction", body: create, fault: "drop"))
            } throws: { error in
                guard case ProviderHTTPError.outcomeUnknown = error else { return false }
                return "\(error)".contains("may or may not have been applied") && "\(error)".contains("PUT http://127.0.0.1:")
            }
            #expect(server.requests.all.filter { $0.method == "PUT" }.count == 2, "each create was sent once")
        }
    }

    @Test(arguments: WaitingThread.Origin.allCases)
    func aTimedOutCreateIsNotResentAndSaysSo(from origin: WaitingThread.Origin) async throws {
        var settings = HTTPSettings()
        settings.readTimeout = .milliseconds(200)
        try await withClient(faults: "PUT /particeep/v1/transaction: latency=1s", settings: settings) { server, client in
            await #expect {
                try await send(client, from: origin, request(server, "PUT", "/transaction", body: #"{"amount": 300, "currency": "EUR"}"#))
            } throws: { error in
                guard case ProviderHTTPError.outcomeUnknown(_, _, .timedOut, _) = error else { return false }
                return "\(error)".contains("may or may not have been applied")
            }
            // The server got it once and, slow as it was, created it once (noted when it answers).
            let deadline = ContinuousClock.now + .seconds(10)
            while server.requests.all.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            try await Task.sleep(for: .milliseconds(300))
            #expect(server.requests.all.filter { $0.method == "PUT" }.count == 1)
        }
    }

    @Test(arguments: WaitingThread.Origin.allCases)
    func aDeduplicatedMutationIsRetried(from origin: WaitingThread.Origin) async throws {
        try await withClient(faults: "PUT /particeep/v1/transaction: sequence=503,ok") { server, client in
            let response = try await send(client, from: origin, request(
                server, "PUT", "/transaction", body: #"{"amount": 100, "currency": "EUR"}"#, safety: .deduplicated(by: "externalId")))
            #expect(response.status == 200 && response.attempts == 2)
        }
    }

    @Test(arguments: WaitingThread.Origin.allCases)
    func aSilentServerTimesOutAndReadsAreRetriedThenReported(from origin: WaitingThread.Origin) async throws {
        var settings = HTTPSettings()
        settings.readTimeout = .milliseconds(200)
        try await withClient(faults: "GET /particeep/v1/info: latency=2s", settings: settings) { server, client in
            await #expect {
                try await send(client, from: origin, request(server, "GET", "/info"))
            } throws: { error in
                guard case ProviderHTTPError.failed(_, _, .timedOut, let attempts, _) = error else { return false }
                return attempts == 4 && (error as? ProviderHTTPError)?.isRetryable == true
            }
        }
    }

    @Test(arguments: WaitingThread.Origin.allCases)
    func aRefusedConnectionIsRetriedEvenForAMutation(from origin: WaitingThread.Origin) async throws {
        let transport = try HTTPTransport()
        var policy = RetryPolicy()
        policy.attempts = 2
        policy.firstDelay = .milliseconds(10)
        let client = ProviderHTTPClient(transport: transport, policy: policy)
        let request = ProviderRequest(method: "PUT", url: "http://127.0.0.1:1/transaction", body: [])
        await #expect {
            try await send(client, from: origin, request)
        } throws: { error in
            guard case ProviderHTTPError.failed(_, _, .connect, 2, false) = error else { return false }
            return true
        }
        await transport.shutdown()
    }

    @Test(arguments: WaitingThread.Origin.allCases)
    func responsesPastTheSizeCapAreRefused(from origin: WaitingThread.Origin) async throws {
        var settings = HTTPSettings()
        settings.maximumResponseBytes = 1024
        try await withClient(settings: settings) { server, client in
            await #expect {
                try await send(client, from: origin, request(server, "GET", "/transaction/search?limit=100"))
            } throws: { error in
                guard case ProviderHTTPError.failed(_, _, .tooLarge(limit: 1024), 1, true) = error else { return false }
                return true
            }
        }
    }

    @Test(arguments: WaitingThread.Origin.allCases)
    func aCancelledSendIsNotRetriedBehindItsBack(from origin: WaitingThread.Origin) async throws {
        try await withClient(faults: "GET /particeep/v1/info: sequence=503,503,ok") { server, client in
            // Cancelled as the first attempt's 503 is reported, before its retry's wait: however
            // slow the machine, the cancellation comes first.
            let cancellation = Locked<(task: Task<ProviderResponse, any Error>?, asked: Bool)>((nil, false))
            var policy = RetryPolicy()
            policy.firstDelay = .milliseconds(500)
            let slow = ProviderHTTPClient(transport: client.transport, policy: policy) { attempt in
                guard attempt.retryingAfter != nil else { return }
                cancellation.withLock { $0.asked = true; return $0.task }?.cancel()
            }
            let sent = request(server, "GET", "/info")
            let task = Task { try await send(slow, from: origin, sent) }
            if cancellation.withLock({ $0.task = task; return $0.asked }) { task.cancel() }
            _ = try? await task.value
            // Past the first retry's wait (500 ms, less jitter): nothing more went out.
            try await Task.sleep(for: .milliseconds(800))
            #expect(cancellation.withLock { $0.asked })
            #expect(server.requests.all.count == 1)
        }
    }

    @Test(arguments: WaitingThread.Origin.allCases)
    func aTaskCancelledBeforeItsRequestSendsNothing(from origin: WaitingThread.Origin) async throws {
        try await withClient { server, client in
            let sent = request(server, "POST", "/transaction")
            let task = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await send(client, from: origin, sent)
            }
            await #expect(throws: ProviderHTTPError.self) { try await task.value }
            #expect(server.requests.all.isEmpty)
        }
    }

    @Test func theProxySettingsFollowTheEnvironment() {
        let settings = HTTPSettings(environment: ["HTTPS_PROXY": "http://proxy.internal:3128", "NO_PROXY": "localhost, .example.com"])
        #expect(settings.proxy == "http://proxy.internal:3128")
        #expect(settings.noProxy == ["localhost", ".example.com"])
        #expect(HTTPSettings(environment: [:]).proxy == nil)
    }

    @Test func waitsGrowAndHonourRetryAfter() {
        var policy = RetryPolicy()
        policy.jitter = 0
        #expect(policy.delay(after: 1, retryAfter: nil, random: 0) == .milliseconds(500))
        #expect(policy.delay(after: 3, retryAfter: nil, random: 0) == .seconds(2))
        #expect(policy.delay(after: 20, retryAfter: nil, random: 0) == .seconds(30))
        #expect(policy.delay(after: 1, retryAfter: "7", random: 0) == .seconds(7))
        #expect(policy.delay(after: 1, retryAfter: "3600", random: 0) == nil)
        policy.jitter = 0.2
        #expect(policy.delay(after: 1, retryAfter: nil, random: 0.5) == .milliseconds(450))
        #expect(RetryPolicy.isRetryable(status: 503) && RetryPolicy.isRetryable(status: 429) && !RetryPolicy.isRetryable(status: 404))
    }

    /// A line break in a script's URL is shown percent-encoded in the error: raw, it would
    /// start a line of its own in a log.
    @Test func aURLsControlCharactersArePercentEncodedInItsError() {
        let failed = ProviderHTTPError.failed(
            method: "GET", url: "http://127.0.0.1:1/echo\r\nX: y", cause: .unsendable("the URL cannot be sent"), attempts: 1, mayHaveArrived: false)
        #expect(failed.description == "GET http://127.0.0.1:1/echo%0D%0AX: y: not sent: the URL cannot be sent")
        #expect(!failed.description.contains("\n"))
    }
}
