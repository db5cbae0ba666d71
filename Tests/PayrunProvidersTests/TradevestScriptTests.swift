// Tradevest from Lua: a customer, a product, money in, a transfer that goes through and one that
// is rejected later, the history paged by cursor, and the webhooks registered without the script
// seeing their secret, delivered and verified.
import Foundation
import PayrunFormats
import PayrunRuntime
import PayrunSimulators
import PayrunTestSupport
import Testing

extension ProviderScriptTests {
    @Test func aMisspeltAwaitOptionIsAnErrorNotTheDefaultWait() async throws {
        try await withServer { server in
            let (status, output) = await run("""
                local t = payrun.provider("tradevest")
                print(select(2, pcall(t.await, t, "/customers/nobody", { timout = 1 })))
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            #expect(output.standardOutput == "bad argument #2 to 'await' (unknown field 'timout' (the fields are timeout))\n")
            #expect(!server.requests.all.contains { $0.path.hasPrefix("/tradevest/") }, "nothing was asked for")
        }
    }

    @Test func aTradevestScriptOnboardsPaysAndChecksItsWebhooks() async throws {
        let receiver = try await WebhookReceiver.start()
        var configuration = SimulatorServer.Configuration()
        configuration.particeep.users = 1
        configuration.particeep.transactions = 1
        configuration.tradevest.processingDelay = .milliseconds(20)
        configuration.tradevest.rejectionDelay = .milliseconds(20)
        try await SimulatorFixture.with(configuration) { server in
            let (status, output) = await run("""
                local t = payrun.provider("tradevest", { headers = { ["Requestor-ID"] = "3f1b6c1e-0000-4000-8000-000000000001" } })
                t:register_webhook("TRANSFER_NOTIFICATION", "\(receiver.url)")
                print(payrun.json.encode(t:get("/webhooks")[1].headers, { sort_keys = true }))
                local person = t:post("/customers/natural-persons", { externalId = t:externalid("person", "ada@example.com"),
                  firstName = "Ada", lastName = "Lovelace", email = "ada@example.com", birthDate = "1985-12-10" })
                print(person.status, t:await("/customers/" .. person.customerId).status)
                local product = t:post("/customer-products", { externalId = t:externalid("product", person.customerId),
                  customerId = person.customerId, productId = "CURRENT_ACCOUNT" })
                print(t:await("/customer-products/" .. product.customerProductId).status)
                t:post("/transfers-test/incoming-transfer", { customerProductId = product.customerProductId, amount = "100.00", reference = "top-up" })
                local function pay(amount, key)
                  local transfer = t:post("/transfers", { externalId = t:externalid("pay", key), customerProductId = product.customerProductId,
                    amount = amount, currency = "EUR", creditorName = "Grace Hopper", creditorIban = "DE89370400440532013000" })
                  return t:await("/transfers/" .. transfer.transferId)
                end
                local rent, car = pay("30.00", "rent"), pay("500.00", "car")
                -- The car is accepted, then rejected once the money is found short.
                for _ = 1, 250 do
                  if car.status == "REJECTED" then break end
                  payrun.sleep(0.02)
                  car = t:get("/transfers/" .. car.transferId)
                end
                print(rent.status, car.status, car.statusReason)
                local history = {}
                for entry in t:paginate("/transactions", { customerProductId = product.customerProductId }, { page_size = 1 }) do
                  history[#history + 1] = entry.type .. " " .. entry.amount
                end
                print(table.concat(history, ", "), t:get("/customer-products/" .. product.customerProductId).balance)
                local _, err = t:tryrequest{ method = "POST", path = "/transfers", headers = { ["Requestor-ID"] = "" },
                  body = { externalId = t:externalid("pay", "bad"), customerProductId = "x", amount = "-1", currency = "USD",
                           creditorName = "X", creditorIban = "nope" } }
                print(err.status, err.code, err.details.amount, err.details.currency)
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            let lines = output.standardOutput.split(separator: "\n").map(String.init)
            #expect(lines.first == #"[{"name":"api-key","value":"[redacted tradevest.webhook_secret]"}]"#, "the secret went to Tradevest, not to the script")
            #expect(Array(lines.dropFirst()) == [
                "RECEIVED\tCREATED", "CREATED", "CREATED\tREJECTED\tinsufficient funds",
                "SEPA_IN 100.00, SEPA_OUT -30.00\t70.00",
                "400\tVALIDATION_ERROR\tINVALID_AMOUNT: must be more than 0 with at most two decimals\tUNSUPPORTED: SEPA transfers are in EUR",
            ])
            #expect(!output.standardOutput.contains("sandbox-tradevest-webhook"))

            // CREATED and CREATED, then the car's REJECTED: each with the header registered, verified from Lua.
            let received = try await receiver.wait(for: 3)
            let hooks = received.map { hook in
                "{ headers = { [\"api-key\"] = \"\(hook.headers["api-key"] ?? "")\" }, body = [==[\(String(decoding: hook.body, as: UTF8.self))]==] }"
            }
            let (checked, verdicts) = await run("""
                local t = payrun.provider("tradevest")
                for _, hook in ipairs({ \(hooks.joined(separator: ", ")) }) do
                  local notification = payrun.json.decode(hook.body)
                  print(payrun.webhook.verify("tradevest", hook), notification.status, t:fetch(notification).status)
                end
                print(payrun.webhook.verify("tradevest", { headers = { ["api-key"] = "guess" }, body = "{}" }))
                print(payrun.webhook.verify("tradevest", { headers = {}, body = "{}" }))
                """, server: server)
            #expect(checked == .success, "\(verdicts.standardError)")
            let verdictLines = verdicts.standardOutput.split(separator: "\n").map(String.init)
            #expect(verdictLines.filter { $0.hasPrefix("true\t") }.count == 3)
            #expect(verdictLines.contains("true\tREJECTED\tREJECTED"))
            #expect(verdictLines.suffix(2) == ["false\tthe api-key header does not match", "false\tno api-key header"])
        }
        await receiver.stop()
    }
}
