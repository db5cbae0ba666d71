// Handlers that pay: one Tradevest transfer per Particeep event, on a simulator the test runs, so
// that what a crash did can be read back from the provider's own state afterwards.
import Foundation
import Testing

struct PayoutHandlers {
    let sandbox: SandboxProcess
    /// PAYRUN_SANDBOX_URL for the listeners and scripts.
    let environment: [String: String]
    /// The handlers file.
    let file: String

    /// Sets up a Tradevest customer product on a new simulator and writes the handlers in `folder`,
    /// with `before` and `after` the transfer in each handler's body (Lua, `event` in scope).
    init(folder: String, before: String = "", after: String = "") async throws {
        sandbox = try SandboxProcess()
        environment = ["PAYRUN_SANDBOX_URL": sandbox.url]
        let setup = try await PayrunProcess.runOnce(
            ["run", "--lib", "scripts/examples", "Tests/PayrunCLITests/DurableScripts/tradevest-setup.lua"],
            environment: environment.merging(["PAYRUN_STATE": folder + "setup.db"]) { $1 })
        try #require(setup.status == 0, "\(setup.standardError)")
        let product = setup.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        file = folder + "payout-handlers.lua"
        try """
            local tradevest = payrun.provider("tradevest", { headers = { ["Requestor-ID"] = "3f1b6c1e-0000-4000-8000-000000000001" } })
            payrun.on("particeep", "*", function(event)
              \(before)
              tradevest:post("/transfers", {
                externalId = tradevest:externalid("listen", event.body.ref), customerProductId = "\(product)", amount = "1.00",
                currency = "EUR", creditorName = "Payee", creditorIban = "DE89370400440532013000", reference = event.body.ref,
              })
              \(after)
            end)
            """.write(toFile: file, atomically: true, encoding: .utf8)
    }

    /// An event's body: `{"ref": "E-n"}`.
    static func body(_ number: Int) -> Data { Data(#"{"ref": "E-\#(number)"}"#.utf8) }

    /// The simulator's transfers for the events' references, by reference.
    func transfers() async throws -> [String: [String]] {
        let counted = try await PayrunProcess.runOnce(["run", "Tests/PayrunCLITests/DurableScripts/tradevest-count.lua"], environment: environment)
        try #require(counted.status == 0, "\(counted.standardError)")
        let all = try JSONSerialization.jsonObject(with: Data(counted.standardOutput.utf8)) as? [String: [String]] ?? [:]
        return all.filter { $0.key.hasPrefix("E-") }
    }
}
