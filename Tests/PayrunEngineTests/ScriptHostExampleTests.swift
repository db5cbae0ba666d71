// The example host of docs/embedding.md (docs/examples/script-host), built and called over
// loopback HTTP as its users would call it.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import Payrun
import PayrunSimulators
import PayrunTestSupport
import ScriptHostExample
import Testing

@Suite struct ScriptHostExampleTests {
    @Test func scriptsRunOnRequestAndAnswerTheirResultAsJSON() async throws {
        let folder = TestFiles.path("payrun-scripts")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try """
            local name = arg[1] or "ops"
            local user = payrun.provider("particeep"):get("/user/usr_1")
            print("hello " .. name)
            return { user = user.id, name = name }
            """.write(toFile: folder + "/greet.lua", atomically: true, encoding: .utf8)
        try #"payrun.provider("particeep"):get("/user/nobody")"#.write(toFile: folder + "/fails.lua", atomically: true, encoding: .utf8)
        var simulators = SimulatorServer.Configuration()
        simulators.particeep.users = 5
        simulators.particeep.transactions = 5
        try await SimulatorFixture.with(simulators) { server in
            var configuration = PayrunEngine.Configuration.standard()
            configuration.sandboxServer = RunningSandbox(url: server.baseURL)
            let engine = PayrunEngine(configuration)
            let router = Router()
            ScriptHost(engine: engine, folder: folder).addRoutes(to: router)
            let application = try await RunningApplication.start(router)
            defer { Task { await application.stop() } }
            let base = "http://127.0.0.1:\(application.port)"

            let (greeted, greetStatus) = try await post(base + "/scripts/greet/run", #"{"arguments": ["ada"]}"#)
            #expect(greetStatus == 200)
            #expect(greeted["status"] == .string("success"))
            #expect(greeted["values"] == .array([.object(["user": .string("usr_1"), "name": .string("ada")])]))
            #expect(greeted["stdout"] == .string("hello ada\n"))
            #expect(greeted["requests"] == .integer(1))

            let (failed, failStatus) = try await post(base + "/scripts/fails/run", "")
            #expect(failStatus == 422)
            #expect(failed["error"]?["provider"]?["code"] == .string("error.user.none"))
            // Lua shortens a long chunk name from the front ("...4F2A/fails.lua").
            #expect(failed["error"]?["chunk"]?.string?.hasSuffix("/fails.lua") == true && failed["error"]?["line"] == .integer(1))

            #expect(try await post(base + "/scripts/missing/run", "").1 == 404)
            #expect(try await post(base + "/scripts/..%2Fgreet/run", "").1 == 400, "a path is not a script name")
            await engine.shutdown()
        }
    }

    func post(_ url: String, _ body: String) async throws -> (JSONValue, Int) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.httpBody = Data(body.utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((try? JSONValue.parse(Array(data))) ?? .null, (response as? HTTPURLResponse)?.statusCode ?? 0)
    }
}
