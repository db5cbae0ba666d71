// Faults on purpose: the --faults syntax, the in-process API, the Payrun-Fault header, and what a
// client sees: statuses in order, Retry-After, dropped connections, late and slow replies.
import Foundation
import PayrunSimulators
import Testing

@Suite struct FaultInjectionTests {
    @Test func theSyntaxReadsRoutesAndParts() throws {
        let plan = try FaultPlan(parsing: "GET /particeep/v1/transaction/*: status=503 p=0.3; PUT /particeep/v1/transaction: sequence=503,502,ok; latency=10ms-1.5s")
        #expect(plan.rules.count == 3)
        #expect(plan.rules[0].method == "GET")
        #expect(plan.rules[0].path == "/particeep/v1/transaction/*")
        #expect(plan.rules[0].fault.status == 503)
        #expect(plan.rules[0].fault.probability == 0.3)
        #expect(plan.rules[1].fault.sequence == [503, 502, 0])
        #expect(plan.rules[2].path == "*")
        #expect(plan.rules[2].fault.latency == .milliseconds(10) ... .milliseconds(1500))
        #expect(try FaultPlan(parsing: plan.description) == plan, "the text form reads back")
    }

    @Test func badSyntaxSaysWhatIsWrong() {
        let cases = [
            ("status=200", "not an error status"),
            ("status", "needs a value"),
            ("latency=fast", "not a duration"),
            ("p=2 status=500", "probability from 0 to 1"),
            ("retry-after=2", "goes with a status"),
            ("explode", "is not a fault"),
            ("particeep/v1: drop", "must start with /"),
            ("GET /a /b: drop", "is not a route"),
            ("drop=yes", "takes no value"),
        ]
        for (text, expected) in cases {
            #expect {
                try FaultPlan(parsing: text)
            } throws: { error in
                (error as? FaultSpecError)?.description.contains(expected) == true
            }
        }
    }

    @Test func aSequenceAnswersInOrderThenServes() async throws {
        var configuration = SimulatorHarness.configuration()
        configuration.faults = try FaultPlan(parsing: "GET /particeep/v1/user/*: sequence=503,502,ok,500")
        try await SimulatorHarness.withServer(configuration) { _, client in
            var statuses: [Int] = []
            for _ in 0..<6 { statuses.append(try await client.send("GET", "/user/usr_1").status) }
            #expect(statuses == [503, 502, 200, 500, 200, 200])
            #expect(try await client.send("GET", "/transaction/txn_1").status == 200, "other routes are untouched")
            let failed = try await client.send("GET", "/info")
            #expect(failed.status == 200)
        }
    }

    @Test func injectedErrorsHaveTheProvidersShapeAndRetryAfter() async throws {
        try await SimulatorHarness.withServer { _, client in
            let reply = try await client.send("GET", "/info", headers: [:], extraHeaders: ["Payrun-Fault": "status=429 retry-after=7"])
            #expect(reply.status == 429)
            #expect(reply.headers["retry-after"] == "7")
            #expect(reply.technicalCode == "error.sandbox.fault")
            #expect(reply.headers["payrun-fault-injected"] == "status=429")
            let bad = try await client.send("GET", "/info", extraHeaders: ["Payrun-Fault": "status=600"])
            #expect(bad.status == 400)
            #expect(bad.text.contains("not an error status"))
        }
    }

    @Test func theSameSeedGivesTheSameFaults() async throws {
        func pattern(seed: UInt64) async throws -> [Int] {
            var configuration = SimulatorHarness.configuration(seed: seed)
            configuration.faults = try FaultPlan(parsing: "status=503 p=0.5")
            var statuses: [Int] = []
            try await SimulatorHarness.withServer(configuration) { _, client in
                for _ in 0..<24 { statuses.append(try await client.send("GET", "/info").status) }
            }
            return statuses
        }
        let first = try await pattern(seed: 3)
        #expect(first.contains(503) && first.contains(200))
        #expect(try await pattern(seed: 3) == first)
        #expect(try await pattern(seed: 4) != first)
    }

    @Test func aDroppedConnectionGetsNoReply() async throws {
        try await SimulatorHarness.withServer { server, client in
            await #expect(throws: (any Error).self) {
                _ = try await client.send("PUT", "/transaction", body: ["amount": 100, "currency": "EUR"], extraHeaders: ["Payrun-Fault": "drop"])
            }
            #expect(server.requests.all.last?.status == nil)
            #expect(server.requests.all.last?.fault == "drop")
            let count = try await client.send("GET", "/transaction/search?limit=1").object["total_size"] as? Int
            #expect(count == 200, "a dropped create created nothing")
        }
    }

    @Test func latencyAndSlowBodiesDelayTheReplyButKeepItWhole() async throws {
        try await SimulatorHarness.withServer { server, client in
            let fast = try await client.send("GET", "/transaction/search?limit=100")
            server.faults.replace(with: try FaultPlan(parsing: "GET /particeep/v1/transaction/search: slow=400ms latency=100ms"))
            let start = ContinuousClock.now
            let slow = try await client.send("GET", "/transaction/search?limit=100")
            let elapsed = ContinuousClock.now - start
            // A lower bound only: the faults promise at least this long, whatever the machine's load.
            #expect(elapsed >= .milliseconds(450))
            #expect(slow.status == 200)
            #expect(slow.items.count == 100)
            #expect(slow.text == fast.text)
            #expect(slow.headers["payrun-fault-injected"] == "slow")
            server.faults.replace(with: FaultPlan())
            #expect(try await client.send("GET", "/info").headers["payrun-fault-injected"] == nil)
        }
    }

    @Test func theAdminRouteChangesFaultsOfARunningSandbox() async throws {
        try await SimulatorHarness.withServer { server, client in
            let set = try await client.send("PUT", "/_sandbox/faults", rawBody: "DELETE /particeep/*: status=502")
            #expect(set.status == 200)
            #expect(server.faults.plan.rules.first?.method == "DELETE")
            #expect(try await client.send("GET", "/_sandbox/faults").text.contains("DELETE /particeep/*: status=502"))
            #expect(try await client.send("DELETE", "/user/usr_1").status == 502)
            #expect(try await client.send("GET", "/user/usr_1").status == 200, "the 502 came before the delete ran")
            let refused = try await client.send("PUT", "/_sandbox/faults", rawBody: "status=99")
            #expect(refused.status == 400)
            #expect(server.faults.plan.rules.count == 1, "a bad plan leaves the old one")
        }
    }
}
