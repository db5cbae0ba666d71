// The Particeep simulator over real HTTP on loopback: signing enforced, state kept, errors in
// Particeep's shape, the documented endpoints and headers.
import Foundation
import PayrunSimulators
import Testing

@Suite struct ParticeepSimulatorTests {
    @Test func theTestSignerMatchesTheDocumentsVector() {
        #expect(ParticeepClient.sign(key: "1234567890", secret: "0987654321", dateTime: "2015-10-19T11:04:18Z")
            == "PTP:1234567890:YzgwZWEyYjJjOWY4ZTZlNTA5NzgzZWU2N2IzZWNhMGFhMDZhY2RkMA==")
    }

    @Test func signedRequestsAreServedWithMetadataHeaders() async throws {
        try await SimulatorHarness.withServer { _, client in
            let first = try await client.send("GET", "/info")
            #expect(first.status == 200)
            #expect(first.headers["meta-version"] == "1")
            #expect(first.headers["meta-endpoint"] == "/v1/info")
            #expect(first.headers["request-quotamax"] == "0")
            #expect(first.headers["debug-request-time"] == nil)
            let second = try await client.send("GET", "/info", extraHeaders: ["Info-Debug-Enabled": "yes"])
            #expect(Int(second.headers["request-quota"] ?? "") == Int(first.headers["request-quota"] ?? "")! + 1)
            let received = Int(second.headers["debug-request-time"] ?? "") ?? 0
            let sent = Int(second.headers["debug-response-time"] ?? "") ?? 0
            #expect(abs(received - Int(Date().timeIntervalSince1970 * 1000)) < 60_000)
            #expect(sent >= received)
            #expect(Int(second.headers["debug-time-on-server"] ?? "") == sent - received)
        }
    }

    @Test func theQuotaRefusesRequestsPastRequestQuotaMax() async throws {
        var configuration = SimulatorHarness.configuration()
        configuration.particeep.requestQuotaMax = 2
        try await SimulatorHarness.withServer(configuration) { _, client in
            #expect(try await client.send("GET", "/info").status == 200)
            #expect(try await client.send("GET", "/info").headers["request-quotamax"] == "2")
            let refused = try await client.send("GET", "/info")
            #expect(refused.status == 429)
            #expect(refused.technicalCode == "error.quota.exceeded")
        }
    }

    @Test func badSignaturesAndStaleDatesAre403InParticeepsShape() async throws {
        try await SimulatorHarness.withServer { _, client in
            let now = ParticeepClient.now()
            let cases: [([String: String], String)] = [
                (["DateTime": now, "Authorization": ParticeepClient.sign(key: client.key, secret: "wrong", dateTime: now)], "does not match"),
                (["DateTime": now, "Authorization": ParticeepClient.sign(key: "other-key", secret: client.secret, dateTime: now)], "does not match"),
                (["Authorization": ParticeepClient.sign(key: client.key, secret: client.secret, dateTime: now)], "missing DateTime"),
                (["DateTime": "2015-10-19T11:04:18Z", "Authorization": ParticeepClient.sign(key: client.key, secret: client.secret, dateTime: "2015-10-19T11:04:18Z")], "away from the server's clock"),
                (["DateTime": "yesterday", "Authorization": "PTP:x:y"], "not ISO 8601"),
                (["DateTime": now], "missing Authorization"),
            ]
            for (headers, expected) in cases {
                let reply = try await client.send("GET", "/transaction/search", headers: headers)
                #expect(reply.status == 403)
                #expect(reply.object["hasError"] as? Bool == true)
                #expect(reply.technicalCode == "error.authorization.invalid")
                let message = (reply.object["errors"] as? [[String: Any]])?.first?["message"] as? String
                #expect(message?.contains(expected) == true, "\(headers)")
                #expect(reply.headers["meta-version"] == "1", "metadata headers are on errors too")
            }
        }
    }

    @Test func searchPagesWithTotalSizeFiltersAndOrder() async throws {
        try await SimulatorHarness.withServer { _, client in
            let page = try await client.send("GET", "/transaction/search?limit=7&offset=3")
            #expect(page.object["total_size"] as? Int == 200)
            #expect(page.items.count == 7)
            #expect(page.items.first?["id"] as? String == "txn_4")
            let defaults = try await client.send("GET", "/transaction/search")
            #expect(defaults.items.count == 30)
            let pending = try await client.send("GET", "/transaction/search?status=PENDING&limit=1000")
            #expect(!pending.items.isEmpty && pending.items.allSatisfy { $0["status"] as? String == "PENDING" })
            #expect(pending.object["total_size"] as? Int == pending.items.count)
            let euros = try await client.send("GET", "/transaction/search?currency=EUR&status=SUCCEEDED&limit=1000")
            #expect(euros.items.allSatisfy { $0["currency"] as? String == "EUR" && $0["status"] as? String == "SUCCEEDED" })
            let sorted = try await client.send("GET", "/transaction/search?sort_by=amount&order_by=desc&limit=50")
            let amounts = sorted.items.compactMap { $0["amount"] as? Int }
            #expect(amounts.count == 50 && amounts == amounts.sorted(by: >))
            let window = try await client.send("GET", "/transaction/search?created_after=2024-01-01&created_before=2024-02-01&limit=1000")
            let dates = window.items.compactMap { $0["created_at"] as? String }
            #expect(!dates.isEmpty && dates.allSatisfy { $0 > "2024-01-01" && $0 < "2024-02-01" })
            let named = try await client.send("GET", "/user/search?global_search=LOVELACE&limit=1000")
            #expect(!named.items.isEmpty && named.items.allSatisfy { ($0["last_name"] as? String) == "Lovelace" })
            // `sttus=PENDING` selected every transaction, and `status=PENDNG` none: an unknown
            // parameter, or a status there is not, is a 400 too.
            for bad in ["limit=0", "offset=-1", "limit=ten", "order_by=sideways", "sort_by=colour", "created_after=soon", "sttus=PENDING", "status=PENDNG"] {
                let reply = try await client.send("GET", "/transaction/search?\(bad)")
                #expect(reply.status == 400, "\(bad)")
                #expect(reply.technicalCode != nil, "\(bad)")
            }
            let misspelt = try await client.send("GET", "/transaction/search?status=pending")
            #expect(misspelt.text.contains("status must be one of PENDING, SUCCEEDED, REFUNDED, CANCELLED, not 'pending'"), "\(misspelt.text)")
        }
    }

    @Test func usersAreFoundByIdsAndEmailAndKeptChangedAndDeleted() async throws {
        try await SimulatorHarness.withServer { _, client in
            let created = try await client.send(
                "PUT", "/user", body: ["email": "grace@example.com", "first_name": "Grace", "birthday": "1906-12-09", "custom": ["team": "ops", "tags": [1, 2]]])
            #expect(created.status == 200)
            let id = created.object["id"] as? String ?? ""
            #expect(created.object["birthday"] as? String == "1906-12-09", "fields payrun does not know are kept")
            #expect((created.object["custom"] as? [String: Any])?["team"] as? String == "ops")
            #expect(try await client.send("PUT", "/user", body: ["email": "grace@example.com"]).technicalCode == "error.user.email.exists")
            let byEmail = try await client.send("GET", "/user/email/grace@example.com")
            #expect(byEmail.object["id"] as? String == id)
            #expect(try await client.send("GET", "/user/email/nobody@example.com").status == 404)
            let byIDs = try await client.send("GET", "/user?ids=usr_2,\(id),usr_404")
            #expect((byIDs.json as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["usr_2", id])
            let updated = try await client.send("POST", "/user/\(id)", body: ["last_name": "Hopper"])
            #expect(updated.object["last_name"] as? String == "Hopper")
            #expect(updated.object["first_name"] as? String == "Grace")
            #expect(try await client.send("POST", "/user/\(id)", body: ["id": "usr_9"]).status == 400)
            #expect(try await client.send("DELETE", "/user/\(id)").object["id"] as? String == id)
            let gone = try await client.send("GET", "/user/\(id)")
            #expect(gone.status == 404)
            #expect(gone.technicalCode == "error.user.none")
        }
    }

    @Test func transactionsMoveOnlyTheWayPaymentsDo() async throws {
        try await SimulatorHarness.withServer { _, client in
            let created = try await client.send(
                "PUT", "/transaction", body: ["amount": 1250, "currency": "EUR", "issuer_id": "usr_1", "custom": ["batch": ["b-1", 2]]])
            #expect(created.status == 200)
            let id = created.object["id"] as? String ?? ""
            #expect(created.object["status"] as? String == "PENDING")
            #expect(((created.object["custom"] as? [String: Any])?["batch"] as? [Any])?.count == 2)
            #expect(try await client.send("GET", "/transaction/\(id)").object["amount"] as? Int == 1250)
            let paid = try await client.send("POST", "/transaction/\(id)", body: ["status": "SUCCEEDED"])
            #expect(paid.object["status"] as? String == "SUCCEEDED")
            let cancel = try await client.send("DELETE", "/transaction/\(id)/cancel")
            #expect(cancel.status == 400)
            #expect(cancel.technicalCode == "error.transaction.status.transition")
            #expect(try await client.send("POST", "/transaction/\(id)", body: ["status": "REFUNDED"]).object["status"] as? String == "REFUNDED")
            let other = try await client.send("PUT", "/transaction", body: ["amount": 100, "currency": "GBP"]).object["id"] as? String ?? ""
            #expect(try await client.send("DELETE", "/transaction/\(other)/cancel").object["status"] as? String == "CANCELLED")
            #expect(try await client.send("DELETE", "/transaction/txn_999999/cancel").status == 404)
        }
    }

    @Test func walletsMoveMoneyAsTransactionsAndNeverOverdraw() async throws {
        try await SimulatorHarness.withServer { _, client in
            let first = try await client.send("PUT", "/wallet", body: ["user_id": "usr_1", "currency": "EUR"]).object
            let second = try await client.send("PUT", "/wallet", body: ["user_id": "usr_2", "currency": "EUR"]).object
            let dollars = try await client.send("PUT", "/wallet", body: ["user_id": "usr_3", "currency": "USD"]).object
            let (a, b, c) = (first["id"] as? String ?? "", second["id"] as? String ?? "", dollars["id"] as? String ?? "")
            #expect(first["balance"] as? Int == 0)
            let cashin = try await client.send("POST", "/wallet/\(a)/cashin", body: ["amount": 10_000])
            #expect(cashin.object["recipient_wallet_id"] as? String == a)
            #expect(cashin.object["status"] as? String == "SUCCEEDED")
            let transfer = try await client.send("POST", "/wallet/transfer", body: ["issuer_wallet_id": a, "recipient_wallet_id": b, "amount": 2_500])
            #expect(transfer.status == 200)
            #expect(try await client.send("POST", "/wallet/\(b)/cashout", body: ["amount": 500]).status == 200)
            #expect(try await client.send("GET", "/wallet/\(a)").object["balance"] as? Int == 7_500)
            #expect(try await client.send("GET", "/wallet/\(b)").object["balance"] as? Int == 2_000)
            let overdraw = try await client.send("POST", "/wallet/\(b)/cashout", body: ["amount": 2_001])
            #expect(overdraw.technicalCode == "error.wallet.balance.insufficient")
            let mixed = try await client.send("POST", "/wallet/transfer", body: ["issuer_wallet_id": a, "recipient_wallet_id": c, "amount": 1])
            #expect(mixed.technicalCode == "error.wallet.currency.mismatch")
            #expect(try await client.send("GET", "/wallet/\(a)").object["balance"] as? Int == 7_500, "refused moves change nothing")
            let history = try await client.send("GET", "/wallet/\(a)/transactions?limit=1&offset=1")
            #expect(history.object["total_size"] as? Int == 2)
            #expect(history.items.first?["id"] as? String == transfer.object["id"] as? String)
            #expect(try await client.send("PUT", "/wallet", body: ["user_id": "usr_404", "currency": "EUR"]).technicalCode == "error.user.none")
            #expect(try await client.send("POST", "/wallet/wal_404/cashin", body: ["amount": 1]).status == 404)
        }
    }

    @Test func badInputIs400Or404NeverA500() async throws {
        try await SimulatorHarness.withServer { _, client in
            let cases: [(String, String, String?, Int)] = [
                ("PUT", "/transaction", "{not json", 400),
                ("PUT", "/transaction", #"{"amount": 12.5, "currency": "EUR"}"#, 400),
                ("PUT", "/transaction", #"{"amount": 100, "currency": "euro"}"#, 400),
                ("PUT", "/transaction", #"{"amount": 100, "currency": "EUR", "status": "PAID"}"#, 400),
                ("PUT", "/transaction", #"{"amount": 100, "currency": "EUR", "issuer_id": "usr_404"}"#, 400),
                ("PUT", "/user", #"{"first_name": "No email"}"#, 400),
                ("PUT", "/user", #"{"email": 42}"#, 400),
                ("PUT", "/user", #"{"email": "a@b.c", "custom": "not an object"}"#, 400),
                ("POST", "/user/usr_1", "[1, 2]", 400),
                ("POST", "/user/usr_1", "", 400),
                ("PUT", "/webhook", #"{"name": "user_exploded", "url": "http://127.0.0.1:1/"}"#, 400),
                ("PUT", "/webhook", #"{"name": "user_deleted", "url": "ftp://example.com"}"#, 400),
                ("DELETE", "/user/nobody", nil, 404),
                ("GET", "/wallet/nobody/transactions", nil, 404),
                ("GET", "/no/such/endpoint", nil, 404),
                ("PATCH", "/user/usr_1", "{}", 404),
            ]
            for (method, path, body, status) in cases {
                let reply = try await client.send(method, path, rawBody: body)
                #expect(reply.status == status, "\(method) \(path) \(body ?? "")")
                #expect(reply.technicalCode != nil, "\(method) \(path) \(body ?? ""): \(reply.text)")
            }
        }
    }

    @Test func theSameSeedGivesTheSameData() async throws {
        var emails: [String?] = []
        for seed: UInt64 in [7, 7, 8] {
            try await SimulatorHarness.withServer(SimulatorHarness.configuration(seed: seed)) { _, client in
                emails.append(try await client.send("GET", "/user/usr_10").object["email"] as? String)
            }
        }
        #expect(emails[0] != nil)
        #expect(emails[0] == emails[1])
        #expect(emails[0] != emails[2])
    }
}
