// The REPL with real providers against the simulators: provider globals, their methods and
// endpoints completed, and :last showing the request with its credentials redacted.
import Foundation
import PayrunProviders
import PayrunRuntime
import PayrunSimulators
import PayrunTestSupport
import Testing

@Suite struct ReplProviderTests {
    /// Runs `body` with a session that has `providers` bound, against `server`, on a thread of
    /// its own: binding a provider and every entry wait for the network on their thread, which
    /// must not be one of the few the simulator's tasks need. The session is closed after.
    func withSession<Result: Sendable>(
        _ providers: [String], server: SimulatorServer, _ body: @escaping @Sendable (ReplSession, CapturedOutput) throws -> Result
    ) async throws -> Result {
        let baseURL = server.baseURL
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Swift.Result {
                    let output = CapturedOutput()
                    let providerSession = ProviderSession(
                        registry: BuiltInProviders.registry, environment: .sandbox, credentials: MemoryCredentialStore(),
                        startSandbox: { baseURL })
                    let repl = try ReplSession(runner: ScriptRunner(output: output, providers: providerSession), providers: providers)
                    defer { repl.close() }
                    return try body(repl, output)
                })
            }.start()
        }
    }

    @Test func providersAreBoundAndTheirMethodsAndEndpointsComplete() async throws {
        var configuration = SimulatorServer.Configuration()
        configuration.particeep.users = 10
        try await SimulatorFixture.with(configuration) { server in
            try await withSession(["particeep", "capitalist"], server: server) { repl, output in
                #expect(repl.enter("particeep") == .succeeded)
                #expect(output.standardOutput == "payrun.provider\n")
                #expect(repl.completions(for: "partic") == (0, ["particeep"]))
                #expect(repl.completions(for: "particeep:pag") == (10, ["paginate("]))
                // In the order the provider documents them.
                #expect(repl.completions(for: "particeep:get(\"/wallet/") == (15, [
                    "/wallet/{id}", "/wallet/{id}/cashin", "/wallet/{id}/cashout", "/wallet/transfer", "/wallet/{id}/transactions",
                ]))
                // Capitalist's own methods, before its Lua extension has been compiled, and its operations.
                #expect(repl.completions(for: "capitalist:get_acc") == (11, ["get_accounts("]))
                #expect(repl.completions(for: "capitalist:call('currency") == (17, ["currency_rates"]))
                #expect(repl.completions(for: "payrun.provider('pe") == (17, ["peex"]))
                #expect(throws: (any Error).self) { try ReplSession(runner: ScriptRunner(output: output), providers: ["stripe"]) }
            }
        }
    }

    @Test func lastShowsTheRequestWithItsCredentialsRedacted() async throws {
        var configuration = SimulatorServer.Configuration()
        configuration.particeep.users = 10
        try await SimulatorFixture.with(configuration) { server in
            let last = try await withSession(["particeep"], server: server) { repl, output in
                let outcomes = ["user = particeep:get('/user/usr_2')", ":last", "user.id"].map(repl.enter)
                #expect(outcomes == [.succeeded, .succeeded, .succeeded])
                return output.standardOutput
            }
            #expect(last.contains("GET \(server.baseURL)/particeep/v1/user/usr_2 → 200 in "))
            #expect(last.contains(" ms (attempt 1)\nsent:\n"), "\(last)")
            #expect(last.contains("  Authorization: [redacted]\n"))
            #expect(last.contains("  DateTime: 20"))
            #expect(last.contains("received:\n") && last.contains("meta-endpoint: /v1/user/usr_2"))
            #expect(!last.contains("PTP:"))
            #expect(last.hasSuffix("\"usr_2\"\n"))
        }
    }
}
