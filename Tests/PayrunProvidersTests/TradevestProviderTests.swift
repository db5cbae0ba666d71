// Tradevest end to end against its simulator over loopback HTTP: one token for many requests,
// renewed when it runs out mid-run; cursor pages to the end; a create whose answer was lost
// retried with its externalId and recognised as accepted; webhooks checked by their header.
import Foundation
import PayrunFormats
import PayrunProviders
import PayrunRuntime
import PayrunSimulators
import PayrunTestSupport
import Testing

@Suite struct TradevestProviderTests {
    let provider = TradevestProvider()

    func withClient(
        _ adjust: (inout SimulatorServer.Configuration) -> Void = { _ in }, settings: HTTPSettings = HTTPSettings(),
        trace: (@Sendable (RequestTrace) -> Void)? = nil,
        _ body: (SimulatorServer, ProviderClient) async throws -> Void
    ) async throws {
        var configuration = SimulatorServer.Configuration()
        configuration.particeep.users = 1
        configuration.particeep.transactions = 1
        configuration.tradevest.processingDelay = .milliseconds(30)
        configuration.tradevest.rejectionDelay = .milliseconds(30)
        configuration.webhooks.firstRetryDelay = .milliseconds(20)
        adjust(&configuration)
        try await SimulatorFixture.with(configuration) { server in
            try await SimulatorFixture.with(settings) { transport in
                var policy = RetryPolicy()
                policy.firstDelay = .milliseconds(10)
                var client = try ProviderClient(
                    provider: provider, environment: .sandbox,
                    credentials: ProviderCredentials(for: provider, in: .sandbox, from: MemoryCredentialStore()),
                    http: ProviderHTTPClient(transport: transport, policy: policy, trace: trace), sandboxServer: server.baseURL)
                client.defaultHeaders = [("Requestor-ID", "3f1b6c1e-0000-4000-8000-000000000001")]
                try await body(server, client)
            }
        }
    }

    static func person(_ n: Int, externalID: String? = nil, lastName: String = "Doe") -> JSONValue {
        var fields: [String: JSONValue] = [
            "firstName": .string("Ada\(n)"), "lastName": .string(lastName), "email": .string("ada\(n)@example.com"),
            "birthDate": .string("1980-01-0\(n % 9 + 1)"),
        ]
        if let externalID { fields["externalId"] = .string(externalID) }
        return .object(fields)
    }

    func tokenRequests(_ server: SimulatorServer) -> Int {
        server.requests.all.filter { $0.path.hasPrefix("/tradevest-auth/") }.count
    }

    @Test func credentialsMayGoToTheAPIAndTheAuthorizationHostOnly() {
        #expect(provider.hosts(in: .test, sandboxServer: nil) == ["tvda-api.platform-test.tradevest.ai", "b2b.auth.platform-test.tradevest.ai"])
        #expect(provider.hosts(in: .live, sandboxServer: nil) == ["tvda-api.platform-prod.tradevest.ai", "b2b.auth.platform-prod.tradevest.ai"])
    }

    @Test func concurrentFirstRequestsShareOneTokenFetch() async throws {
        try await withClient { server, client in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<16 { group.addTask { try await client.request("GET", "/customers").status } }
                for try await status in group { #expect(status == 200) }
            }
            #expect(tokenRequests(server) == 1, "sixteen requests, one token")
            #expect(server.requests.all.filter { $0.path == "/tradevest/customers" }.count == 16)
        }
    }

    @Test func aTokenThatRunsOutMidRunIsRenewed() async throws {
        try await withClient({ $0.tradevest.tokenLifetime = 2 }) { server, client in
            _ = try await client.request("GET", "/customers")
            try await Task.sleep(for: .milliseconds(2200))
            let later = try await client.request("GET", "/customers")
            #expect(later.status == 200 && later.attempts == 1, "renewed before sending, not after a 401")
            #expect(tokenRequests(server) >= 2, "a new token once the first ran out")
        }
    }

    @Test func aRefusedTokenIsRenewedOnceAndTheRequestSentAgain() async throws {
        try await withClient { server, client in
            _ = try await client.request("GET", "/customers")
            // The server refuses the next request's token, as it would a revoked one.
            server.faults.replace(with: try FaultPlan(parsing: "GET /tradevest/customers: sequence=401,ok"))
            let reply = try await client.request("GET", "/customers")
            #expect(reply.status == 200 && reply.attempts == 2)
            #expect(tokenRequests(server) == 2, "a new token after the 401, once")
            server.faults.replace(with: try FaultPlan(parsing: "GET /tradevest/customers: status=401"))
            await #expect {
                _ = try await client.request("GET", "/customers")
            } throws: { error in
                (error as? ProviderError)?.status == 401
            }
            #expect(tokenRequests(server) == 3, "renewed once, not in a loop")
        }
    }

    @Test func anExternalIDStaysUsedAfterItsEntityIsPurged() async throws {
        try await withClient({ $0.tradevest.purgeAfter = 0.1 }) { _, client in
            let created = try await client.request(
                "POST", "/customers/natural-persons",
                body: .object(["externalId": .string("minor-1"), "firstName": .string("Young"), "lastName": .string("Student"),
                               "email": .string("young@example.com"), "birthDate": .string("2015-03-01")]))
            let id = try #require(created.result["customerId"]?.string)
            try await Task.sleep(for: .milliseconds(300))
            await #expect {
                _ = try await client.request("GET", "/customers/\(id)")
            } throws: { error in
                (error as? ProviderError)?.status == 404
            }
            await #expect {
                _ = try await client.request("POST", "/customers/natural-persons", body: Self.person(7, externalID: "minor-1"))
            } throws: { error in
                (error as? ProviderError)?.status == 409
            }
        }
    }

    @Test func aWrongClientSecretSaysWhatToCheck() async throws {
        try await withClient({ $0.tradevest.clientSecret = "another" }) { server, client in
            await #expect {
                _ = try await client.request("GET", "/customers")
            } throws: { error in
                guard let error = error as? ProviderError else { return false }
                return error.status == 401 && error.code == "invalid_client" && error.message.contains("check tradevest.client_id and tradevest.client_secret")
                    && !error.description.contains("sandbox-tradevest-secret")
            }
            #expect(server.requests.all.filter { $0.path.hasPrefix("/tradevest/") }.isEmpty, "nothing sent without a token")
        }
    }

    @Test func createsAreProcessedAsynchronouslyAndErrorsKeepTheirDetails() async throws {
        try await withClient { server, client in
            let created = try await client.request("POST", "/customers/natural-persons", body: Self.person(1, externalID: "ext-1"))
            #expect(created.status == 201 && created.result["status"] == .string("RECEIVED"))
            let id = try #require(created.result["customerId"]?.string)
            var status = "RECEIVED"
            for _ in 0..<500 where status == "RECEIVED" {
                try await Task.sleep(for: .milliseconds(20))
                status = try await client.request("GET", "/customers/\(id)").result["status"]?.string ?? ""
            }
            #expect(status == "CREATED")

            await #expect {
                _ = try await client.request("POST", "/customers/natural-persons", body: .object(["firstName": .string("No")]))
            } throws: { error in
                guard let error = error as? ProviderError else { return false }
                return error.status == 400 && error.code == "VALIDATION_ERROR" && error.details["lastName"] == "REQUIRED: is required"
                    && error.details["validation"]?.contains("email: is required") == true && error.requestID != nil
            }
            await #expect {
                _ = try await client.request("POST", "/customers/natural-persons", body: Self.person(2, externalID: "ext-1"))
            } throws: { error in
                (error as? ProviderError)?.status == 409 && (error as? ProviderError)?.code == "DUPLICATE_EXTERNAL_ID"
            }
            var anonymous = client
            anonymous.defaultHeaders = []
            await #expect {
                _ = try await anonymous.request("POST", "/customers/natural-persons", body: Self.person(3))
            } throws: { error in
                (error as? ProviderError)?.details["Requestor-ID"]?.contains("REQUIRED") == true
            }
        }
    }

    @Test func aCreateWhoseAnswerWasLostIsRetriedAndRecognisedAsAccepted() async throws {
        var settings = HTTPSettings()
        settings.readTimeout = .seconds(2)
        // The first attempt is answered too slowly (after the simulator created the customer);
        // once the client gives up on it, the fault is lifted so the retry is answered.
        let lifter = FaultLifter(when: "/customers/natural-persons")
        try await withClient(settings: settings, trace: lifter.trace) { server, client in
            lifter.watch(server)
            server.faults.replace(with: try FaultPlan(parsing: "POST /tradevest/customers/natural-persons: slow=32s"))
            let reply = try await client.request("POST", "/customers/natural-persons", body: Self.person(4, externalID: "ext-lost"))
            #expect(reply.alreadyAccepted, "the 409 for our own externalId means the first attempt got through")
            #expect(reply.attempts == 2)
            #expect(reply.result["externalId"] == .string("ext-lost") && reply.result["customerId"]?.string != nil)
            let customers = try await client.request("GET", "/customers", query: [("externalId", "ext-lost")])
            guard case .array(let found)? = customers.result["data"] else { Issue.record("no data"); return }
            #expect(found.count == 1, "created once")

            // Without an externalId the same lost answer is never resent.
            server.faults.replace(with: try FaultPlan(parsing: "POST /tradevest/customers/natural-persons: slow=32s"))
            await #expect {
                _ = try await client.request("POST", "/customers/natural-persons", body: Self.person(5))
            } throws: { error in
                (error as? ProviderError)?.message.contains("may or may not have been applied") == true
            }
        }
    }

    @Test func aDeduplicatedCreateStoppedWhileItWaitsIsOfUnknownOutcome() async throws {
        // The customer is made, its answer held back; the wait is stopped meanwhile (a script
        // stopping). Retries by externalId are safe, but this attempt may have arrived: the error
        // says so, for a durable run to keep it in doubt rather than take it for not sent.
        try await withClient { server, client in
            server.faults.replace(with: try FaultPlan(parsing: "POST /tradevest/customers/natural-persons: slow=32s"))
            let stop = BlockingIO.StopCheck { server.requests.all.contains { $0.path.hasSuffix("/customers/natural-persons") } }
            let outcome: Result<ProviderClient.Reply, ProviderError> = try await WaitingThread.run(hearing: stop) {
                do throws(ProviderError) {
                    return .success(try await client.request("POST", "/customers/natural-persons", body: Self.person(6, externalID: "ext-stopped")))
                } catch {
                    return .failure(error)
                }
            }
            guard case .failure(let error) = outcome else { Issue.record("a stopped wait gave an answer"); return }
            #expect(error.outcomeUnknown, "\(error)")
            #expect(error.status == nil)
        }
    }

    @Test func aDeduplicatedCreateWhoseAnswerIsOverTheCapIsOfUnknownOutcome() async throws {
        // The customer is made, and its answer refused for its size: the create got through.
        // Retries by externalId are safe, but a journal that took this for "not sent" would send
        // it afresh later, to be refused as a repeat for good (409, though it was made): the
        // error says its outcome is unknown, for a durable run to keep it in doubt.
        let cache = ProviderCache()
        func client(_ server: SimulatorServer, _ transport: HTTPTransport) throws -> ProviderClient {
            var client = try ProviderClient(
                provider: provider, environment: .sandbox, credentials: ProviderCredentials(for: provider, in: .sandbox, from: MemoryCredentialStore()),
                http: ProviderHTTPClient(transport: transport), sandboxServer: server.baseURL, cache: cache)
            client.defaultHeaders = [("Requestor-ID", "3f1b6c1e-0000-4000-8000-000000000001")]
            return client
        }
        try await SimulatorFixture.with(SimulatorServer.Configuration()) { server in
            // The token is fetched with the ordinary cap, and shared through the cache with a
            // client whose cap the create's answer passes.
            try await SimulatorFixture.with(HTTPSettings()) { transport in
                _ = try await client(server, transport).request("GET", "/webhooks-missing")
            }
            var settings = HTTPSettings()
            settings.maximumResponseBytes = 40
            try await SimulatorFixture.with(settings) { transport in
                let capped = try client(server, transport)
                do throws(ProviderError) {
                    let reply = try await capped.request("POST", "/customers/natural-persons", body: Self.person(7, externalID: "ext-big"))
                    Issue.record("an answer over the cap was read: \(reply.result)")
                } catch {
                    #expect(error.outcomeUnknown, "\(error)")
                    #expect(error.status == nil)
                }
            }
            #expect(server.requests.all.filter { $0.path.hasSuffix("/customers/natural-persons") }.count == 1, "sent once, not retried")
        }
    }

    @Test func cursorPagesAreFollowedToTheEnd() async throws {
        try await withClient { server, client in
            for n in 0..<45 {
                _ = try await client.request("POST", "/customers/natural-persons", body: Self.person(n, externalID: "page-\(n)"))
            }
            server.requests.removeAll()
            var ids: [String] = []
            for try await customer in ProviderPaginator(client: client, path: "/customers", pageSize: 20) {
                ids.append(customer["externalId"]?.string ?? "")
            }
            #expect(ids == (0..<45).map { "page-\($0)" })
            #expect(server.requests.all.filter { $0.path == "/tradevest/customers" }.count == 3, "pages of 20, 20 and 5")
        }
    }

    @Test func webhooksCarryTheRegisteredHeaderAndAreCheckedByIt() async throws {
        let receiver = try await WebhookReceiver.start()
        try await withClient { _, client in
            let registration: JSONValue = .object([
                "eventType": .string("CUSTOMER_NOTIFICATION"), "url": .string(receiver.url),
                "headers": .array([.object(["name": .string("api-key"), "value": .string("sandbox-tradevest-webhook")])]),
            ])
            _ = try await client.request("POST", "/webhooks", body: registration)
            let missing = try await client.request("GET", "/webhooks-missing")
            #expect(missing.result == .array([.string("TRANSFER_NOTIFICATION"), .string("DOCUMENT_NOTIFICATION"), .string("DIGITAL_ASSET_ORDER_NOTIFICATION")]))
            _ = try await client.request("POST", "/customers/natural-persons", body: Self.person(6, externalID: "hook-6", lastName: "Rejected"))
            let received = try await receiver.wait(for: 2)
            let payloads = try received.map { try JSONValue.parse(Array($0.body)) }
            // Each goes out on its own, as a provider's do: the rejection, 30 ms later, can
            // arrive first on a loaded machine.
            #expect(Set(payloads.compactMap { $0["status"]?.string }) == ["CREATED", "REJECTED"])
            let rejection = payloads.first { $0["status"]?.string == "REJECTED" }
            #expect(rejection?["notificationType"] == .string("UPDATED") && rejection?["externalId"] == .string("hook-6"))

            let credentials = ProviderCredentials(for: provider, in: .sandbox, from: MemoryCredentialStore())
            let headers = received[0].headers.map { ($0.key, $0.value) }
            let body = Array(received[0].body)
            #expect(provider.verify(IncomingWebhook(headers: headers, body: body), with: credentials, now: 0) == .valid)
            #expect(provider.verify(IncomingWebhook(headers: [("api-key", "guess")], body: body), with: credentials, now: 0)
                == .invalid("the api-key header does not match"))
            #expect(provider.verify(IncomingWebhook(headers: [], body: body), with: credentials, now: 0) == .invalid("no api-key header"))
        }
        await receiver.stop()
    }
}
