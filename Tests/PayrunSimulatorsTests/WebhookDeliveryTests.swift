// Webhooks out: registered through Particeep's API, sent for each change with the documented
// headers and signature, retried with backoff, and recorded.
import Crypto
import Foundation
import PayrunSimulators
import PayrunTestSupport
import Testing

@Suite struct WebhookDeliveryTests {
    @Test func aChangeIsPostedToItsWebhookSignedAsParticeepSigns() async throws {
        let receiver = try await WebhookReceiver.start()
        defer { Task { await receiver.stop() } }
        try await SimulatorHarness.withServer { _, client in
            let registered = try await client.send("PUT", "/webhook", body: ["name": "user_deleted", "url": receiver.url])
            #expect(registered.status == 200)
            let again = try await client.send("PUT", "/webhook", body: ["name": "user_deleted", "url": receiver.url])
            #expect(again.technicalCode == "error.webhook.name.exists", "one URL per event")
            _ = try await client.send("POST", "/user/usr_3", body: ["first_name": "Not sent"])
            let deleted = try await client.send("DELETE", "/user/usr_3")
            let received = try await receiver.wait(for: 1)
            #expect(received.count == 1, "only the subscribed event is sent")
            let hook = try #require(received.first)
            #expect(hook.headers["x-particeep-event"] == "user_deleted")
            let dateTime = try #require(hook.headers["datetime"])
            #expect(hook.headers["authorization"] == ParticeepClient.sign(key: client.key, secret: client.secret, dateTime: dateTime))
            #expect(hook.headers["content-type"] == "application/json")
            let body = try JSONSerialization.jsonObject(with: hook.body) as? [String: Any]
            #expect(body?["id"] as? String == "usr_3")
            #expect(String(decoding: hook.body, as: UTF8.self) == deleted.text, "the event is the response of the request")
        }
    }

    @Test func failuresAreRetriedWithBackoffAndRecorded() async throws {
        let receiver = try await WebhookReceiver.start(failing: [500, 503])
        defer { Task { await receiver.stop() } }
        try await SimulatorHarness.withServer { server, client in
            _ = try await client.send("PUT", "/webhook", body: ["name": "transaction_created", "url": receiver.url])
            _ = try await client.send("PUT", "/transaction", body: ["amount": 4200, "currency": "EUR"])
            let received = try await receiver.wait(for: 3)
            #expect(received.count == 3)
            #expect(Set(received.map { String(decoding: $0.body, as: UTF8.self) }).count == 1, "each attempt sends the same event")
            let deliveries = try await waitForDeliveries(server, state: .delivered)
            let delivery = try #require(deliveries.first { $0.event == "transaction_created" })
            #expect(delivery.attempts.map(\.status) == [500, 503, 200])
            let recorded = try await client.send("GET", "/_sandbox/webhooks")
            let first = (recorded.object["deliveries"] as? [[String: Any]])?.first
            #expect(first?["state"] as? String == "delivered")
            #expect((first?["attempts"] as? [Any])?.count == 3)
        }
    }

    @Test func anUnreachableReceiverEndsAsAFailedDelivery() async throws {
        var configuration = SimulatorHarness.configuration()
        configuration.webhooks.attempts = 3
        try await SimulatorHarness.withServer(configuration) { server, client in
            // Port 1 on loopback: nothing listens, so every connection is refused at once.
            _ = try await client.send("PUT", "/webhook", body: ["name": "wallet_created", "url": "http://127.0.0.1:1/hook"])
            let created = try await client.send("PUT", "/wallet", body: ["user_id": "usr_1", "currency": "EUR"])
            #expect(created.status == 200, "a failing webhook does not fail the request")
            let deliveries = try await waitForDeliveries(server, state: .failed)
            let delivery = try #require(deliveries.first)
            #expect(delivery.attempts.count == 3)
            #expect(delivery.attempts.allSatisfy { $0.status == nil && $0.error != nil })
        }
    }

    @Test func webhooksCanBeChangedAndRemoved() async throws {
        let receiver = try await WebhookReceiver.start()
        defer { Task { await receiver.stop() } }
        try await SimulatorHarness.withServer { _, client in
            let id = try await client.send("PUT", "/webhook", body: ["name": "user_created", "url": "http://127.0.0.1:1/old"]).object["id"] as? String ?? ""
            let moved = try await client.send("POST", "/webhook/\(id)", body: ["url": receiver.url])
            #expect(moved.object["url"] as? String == receiver.url)
            #expect(moved.object["name"] as? String == "user_created")
            _ = try await client.send("PUT", "/user", body: ["email": "one@example.com"])
            #expect(try await receiver.wait(for: 1).count == 1)
            #expect(try await client.send("DELETE", "/webhook/\(id)").status == 200)
            _ = try await client.send("PUT", "/user", body: ["email": "two@example.com"])
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await receiver.wait(for: 1).count == 1, "nothing is sent once the webhook is gone")
        }
    }

    /// Waits (bounded) until every delivery has ended in `state`.
    private func waitForDeliveries(_ server: SimulatorServer, state: WebhookDispatcher.Delivery.State) async throws -> [WebhookDispatcher.Delivery] {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let deliveries = server.webhooks.deliveries
            if !deliveries.isEmpty, deliveries.allSatisfy({ $0.state == state }) { return deliveries }
            try await Task.sleep(for: .milliseconds(10))
        }
        return server.webhooks.deliveries
    }
}
