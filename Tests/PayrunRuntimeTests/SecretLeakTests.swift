// A dozen ways a script might try to get a secret's bytes out; none works, and nothing any of
// these runs prints contains a secret.
import LuaKit
import PayrunRuntime
import Testing

@Suite struct SecretLeakTests {
    static let secrets = ["sk_live_7f3a9c2e1b", "tv-client-secret-5d81", "4821"]
    let store = MemoryCredentialStore([
        .live: [
            CredentialName(provider: "particeep", field: "api_secret"): Secret(secrets[0]),
            CredentialName(provider: "tradevest", field: "client_secret"): Secret(secrets[1]),
            CredentialName(provider: "peex", field: "pin"): Secret(secrets[2]),
        ],
    ])

    static let attempts = [
        "print(tostring(h))",
        "print(string.format('%s', h))",
        "print(('%q'):format(tostring(h)))",
        "print('x' .. h)",
        "error(h)",
        "error(tostring(h))",
        "print(payrun.json.encode({ key = h }))",
        "print(payrun.inspect(h))",
        "print(h == 'sk_live_7f3a9c2e1b', rawequal(h, 'sk_live_7f3a9c2e1b'), h < 'z')",
        "print(getmetatable(h), setmetatable(h, {}))",
        "for k, v in pairs(h) do print(k, v) end",
        "print(h.secret, h.value, h[1], #h)",
        "print(os.getenv('PAYRUN_LIVE_PARTICEEP_API_SECRET'))",
        "print(require('os').getenv)",
        "print(load('return ...')(h))",
        "print(string.byte(tostring(h), 1, -1))",
        "print(utf8.len(h))",
        "print(payrun.credential('particeep.api_secret') == h)",
        "local t = setmetatable({}, {__index = function(_, k) return k end}); print(t[h])",
        "print(coroutine.wrap(function(x) return x end)(h))",
        // A script that somehow holds a secret's bytes (a colleague pasted it in) still cannot print it.
        "print('pasted: sk_live_7f3a9c2e1b and tv-client-secret-5d81 and pin 4821')",
        "error('pasted sk_live_7f3a9c2e1b')",
        "payrun.stderr:write('tv-client-secret-5d81\\n')",
    ]

    @Test func noAttemptGetsASecretOut() {
        let output = CapturedOutput()
        let runner = ScriptRunner(output: output, credentials: store, environment: .live)
        for attempt in Self.attempts {
            let code = "local h = payrun.credential('particeep.api_secret')\n" + attempt
            _ = runner.run(ScriptInvocation(chunks: [code]))
        }
        let everything = output.combined
        #expect(everything.contains("credential particeep.api_secret (live)"))
        #expect(everything.contains("[redacted particeep.api_secret]"))
        for secret in Self.secrets {
            #expect(!everything.contains(secret), "a secret leaked:\n\(everything)")
        }
    }

    @Test func aScriptCannotConjureAHandleForAnotherEnvironment() {
        let output = CapturedOutput()
        let runner = ScriptRunner(output: output, credentials: store, environment: .test)
        #expect(runner.run(ScriptInvocation(chunks: ["payrun.credential('particeep.api_secret')"])) == .scriptFailed)
        #expect(output.standardError.contains("no credential particeep.api_secret in the test environment"))
    }
}
