// What a script can see of a declared provider's secrets, run through the engine as a script
// would: `p:sign` shows every header signing adds redacted, by its place rather than its name (a
// script's own `Authorization` is refused, as a built-in provider's is), and the key that query
// authentication puts in the URL by name only; a transport error quoting that URL is redacted too.
import Foundation
@testable import PayrunDeclaredProviders
import PayrunProviderKit
import PayrunRuntime
import PayrunTestSupport
import Testing

@Suite struct DeclaredSecretsTests {
    static let key = "k3y-for-the-query-9f8e7d"

    func run(_ code: String, auth: String, base: String = "https://api.acme.example/v1") async throws -> ScriptResult {
        let source = """
            return {
              name = "acme", base_url = { test = "\(base)" }, credentials = { "api_key" },
              auth = \(auth),
            }
            """
        var registry = ProviderRegistry()
        registry.register(DeclaredProvider(try DefinitionFile.load(Array(source.utf8), file: "providers/acme.lua")))
        var store = MemoryCredentialStore()
        store.set(Secret(Self.key), for: CredentialName(provider: "acme", field: "api_key"), in: .test)
        let engine = PayrunEngine(PayrunEngine.Configuration(providers: registry, environment: .test, credentials: store))
        let result = try await engine.run(.text(code, name: "sign.lua"))
        await engine.shutdown()
        return result
    }

    @Test func aScriptsOwnAuthorizationIsRefusedAndTheProvidersShownRedacted() async throws {
        let result = try await run("""
            local p = payrun.provider("acme")
            print(pcall(p.sign, p, { path = "/charges", headers = { Authorization = "mine" } }))
            local q = payrun.provider("acme", { headers = { authorization = "mine" } })
            print(pcall(q.sign, q, { path = "/charges" }))
            local signed = p:sign{ path = "/charges", headers = { ["X-Trace"] = "t-1" } }
            local out = {}
            for name, value in pairs(signed.headers) do out[#out + 1] = name .. "=" .. value end
            table.sort(out)
            print(table.concat(out, " "))
            print(signed.headers.Authorization:reverse())
            """, auth: #"{ kind = "bearer", credential = "api_key" }"#)
        #expect(result.error == nil, "\(result.error?.description ?? "")")
        let output = result.output?.standardOutput ?? ""
        let lines = output.split(separator: "\n").map(String.init)
        // As a built-in provider's: not sent, and not replaced without a word either.
        #expect(lines.first?.hasPrefix("false\t") == true && lines.first?.contains("the header Authorization is added by payrun when it signs acme's requests") == true,
                "\(output)")
        #expect(lines.dropFirst().first?.hasPrefix("false\t") == true, "a client's own headers too: \(output)")
        #expect(output.contains("Authorization=[redacted: added by payrun when sent]"), "\(output)")
        #expect(output.contains("X-Trace=t-1"))
        #expect(!output.contains(Self.key) && !output.contains(String(Self.key.reversed())))
    }

    @Test func aKeyInTheQueryIsNeitherInTheSignedURLNorInAnError() async throws {
        let result = try await run("""
            local p = payrun.provider("acme")
            local signed = p:sign{ path = "/charges", query = { limit = 3 } }
            print(signed.url:reverse())
            local ok, err = p:tryrequest{ path = "/charges" }
            print(ok, (tostring(err.message)):reverse())
            local mine, refused = p:tryrequest{ path = "/charges", query = { api_key = "mine" } }
            print(mine, refused.message)
            """, auth: #"{ kind = "query", name = "api_key", credential = "api_key" }"#, base: "http://127.0.0.1:9/v1")
        #expect(result.error == nil, "\(result.error?.description ?? "")")
        let output = result.output?.standardOutput ?? ""
        #expect(output.hasPrefix(String("http://127.0.0.1:9/v1/charges?limit=3&api_key=[redacted: added by payrun when sent]".reversed())), "\(output)")
        #expect(!output.contains(String(Self.key.reversed())) && !output.contains(Self.key), "\(output)")
        // A script's own parameter of the key's name would go beside it: refused, not sent.
        #expect(output.contains("nil\tthe query parameter api_key is added by payrun when it signs acme's requests"), "\(output)")
    }

    /// `p:sign` shows the key's parameter by name (it left it out, and looked unsigned); sent
    /// back through `p:request`, the redacted value is dropped and the key added once.
    @Test func aSignedURLShowsTheKeysParameterAndIsSentWithTheKeyOnce() async throws {
        let receiver = try await ServiceReceiver.start()
        let result = try await run("""
            local p = payrun.provider("acme")
            local signed = p:sign{ path = "/charges", query = { limit = 3 } }
            print(signed.url)
            p:request(signed)
            p:request{ url = signed.url:gsub("%[redacted: added by payrun when sent%]", "%%5Bredacted%%3A%%20added%%20by%%20payrun%%20when%%20sent%%5D") }
            p:request{ url = signed.url:gsub("%[redacted: added by payrun when sent%]", "%%5bredacted%%3a+added+by+payrun+when+sent%%5d") }
            """, auth: #"{ kind = "query", name = "api_key", credential = "api_key" }"#, base: receiver.url + "/v1")
        await receiver.stop()
        #expect(result.error == nil, "\(result.error?.description ?? "")")
        #expect(result.output?.standardOutput == receiver.url + "/v1/charges?limit=3&api_key=[redacted: added by payrun when sent]\n")
        #expect(receiver.received.map(\.query) == Array(repeating: "limit=3&api_key=" + Self.key, count: 3))
    }

    /// A definition's own `sandbox_credentials` are its keys for a fake of the user's own, not
    /// public ones: traced (`--verbose`) or raised, a URL that carries one has it redacted, as a
    /// stored key is.
    @Test func aDefinitionsSandboxKeyIsRedactedInTracesAndErrors() async throws {
        let receiver = try await ServiceReceiver.start()
        let sandboxKey = "fake-acme-key-0c1d2e3f"
        let source = """
            return {
              name = "acme", base_url = { sandbox = "\(receiver.url)/v1" }, credentials = { "api_key" },
              sandbox_credentials = { api_key = "\(sandboxKey)" },
              auth = { kind = "query", name = "api_key", credential = "api_key" },
            }
            """
        var registry = ProviderRegistry()
        registry.register(DeclaredProvider(try DefinitionFile.load(Array(source.utf8), file: "providers/acme.lua")))
        let engine = PayrunEngine(PayrunEngine.Configuration(providers: registry, environment: .sandbox, credentials: MemoryCredentialStore()))
        var options = RunOptions()
        options.verbose = true
        let result = try await engine.run(.text("""
            local p = payrun.provider("acme")
            p:get("/charges")
            error("quoting the URL: " .. p:sign{ path = "/charges" }.url .. " and the key itself: \(sandboxKey)")
            """, name: "trace.lua"), options: options)
        await engine.shutdown()
        await receiver.stop()
        #expect(receiver.received.map(\.query) == ["api_key=" + sandboxKey], "the key went to the fake")
        let everything = (result.output?.standardOutput ?? "") + (result.output?.standardError ?? "") + (result.error?.description ?? "")
        #expect(everything.contains("GET \(receiver.url)/v1/charges?api_key=[redacted acme.api_key] → 200"), "\(everything)")
        #expect(everything.contains("the key itself: [redacted acme.api_key]"), "\(everything)")
        #expect(!everything.contains(sandboxKey), "\(everything)")
    }

    /// Basic authentication's header is the pair encoded, which is no credential's bytes: an
    /// answer that echoes it was handed to the script as it came.
    @Test func anEchoedBasicHeaderIsRedacted() async throws {
        let receiver = try await ServiceReceiver.start(answering: [.echo])
        let source = """
            return {
              name = "acme", base_url = { test = "\(receiver.url)/v1" }, credentials = { "user", "pass" },
              auth = { kind = "basic", username = "user", password = "pass" },
            }
            """
        var registry = ProviderRegistry()
        registry.register(DeclaredProvider(try DefinitionFile.load(Array(source.utf8), file: "providers/acme.lua")))
        var store = MemoryCredentialStore()
        store.set(Secret("alice"), for: CredentialName(provider: "acme", field: "user"), in: .test)
        store.set(Secret("p@ss:w0rd!"), for: CredentialName(provider: "acme", field: "pass"), in: .test)
        let engine = PayrunEngine(PayrunEngine.Configuration(providers: registry, environment: .test, credentials: store))
        let result = try await engine.run(.text("print(payrun.json.encode((payrun.provider('acme'):get('/echo'))))", name: "echo.lua"))
        await engine.shutdown()
        await receiver.stop()
        let encoded = Data("alice:p@ss:w0rd!".utf8).base64EncodedString()
        #expect(receiver.received.first?.headers["authorization"] == "Basic " + encoded, "it was sent")
        let output = result.output?.standardOutput ?? ""
        #expect(output.contains("[redacted acme.token]") && !output.contains(encoded), "\(output)")
    }
}
