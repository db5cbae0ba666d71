// Reading provider definitions: what a good one becomes, the error a mistake gets (naming the
// file, the field and what was expected), and the refusals: a definition cannot read a
// credential, reach code or files, run code while signing, send credentials to a host it did not
// declare, or run for ever.
import Foundation
@testable import PayrunDeclaredProviders
import PayrunProviderKit
import Testing
import PayrunTestSupport

@Suite struct DefinitionFileTests {
    /// `source` read as the file `providers/acme.lua`.
    func load(_ source: String) throws(DefinitionError) -> ProviderDefinition {
        try DefinitionFile.load(Array(source.utf8), file: "providers/acme.lua")
    }

    /// The error `source` gets, as the user sees it.
    func problem(_ source: String) -> String {
        do {
            _ = try load(source)
            return "no error"
        } catch {
            return error.description
        }
    }

    static let minimal = """
        return {
          name = "acme",
          base_url = { live = "https://api.acme.example/v2" },
          credentials = { "api_key" },
          auth = { kind = "header", name = "X-Api-Key", credential = "api_key" },
        }
        """

    @Test func aMinimalDefinitionGetsTheDefaults() throws {
        let definition = try load(Self.minimal)
        #expect(definition.name == "acme" && definition.file == "providers/acme.lua")
        #expect(definition.baseURLs == [.live: "https://api.acme.example/v2"] && definition.sandboxBase == nil)
        #expect(definition.auth == [.header(name: "X-Api-Key", value: Template(pieces: [.value("api_key")]), optional: false)])
        #expect(definition.pagination == .none && definition.webhooks == nil && definition.idempotency == nil)
        #expect(definition.retrySafe.map(\.method) == ["GET", "HEAD", "OPTIONS"])
        let provider = DeclaredProvider(definition)
        #expect(provider.baseURL(in: .live, sandboxServer: nil) == "https://api.acme.example/v2")
        #expect(provider.baseURL(in: .test, sandboxServer: nil) == nil)
        #expect(provider.hosts(in: .live, sandboxServer: nil) == ["api.acme.example"])
        #expect(!provider.receivesWebhooks)
    }

    @Test func mistakesNameTheFileTheFieldAndWhatWasExpected() {
        let cases: [(String, String)] = [
            ("return 42", "providers/acme.lua: the file must return a table describing the provider, got 42"),
            ("return { base_url = { live = 'https://a.example' } }", "providers/acme.lua: name: expected a string (it is required), got nil"),
            (Self.minimal.replacingOccurrences(of: "\"acme\"", with: "\"Acme\""), "providers/acme.lua: name: expected lower-case letters"),
            (Self.minimal.replacingOccurrences(of: "name = \"acme\"", with: "name = \"other\""),
             "providers/acme.lua: name: the file is acme.lua but the provider is called \"other\""),
            (Self.minimal.replacingOccurrences(of: "kind = \"header\"", with: "kind = \"berer\""),
             "providers/acme.lua: auth.kind: expected one of \"header\", \"bearer\", \"basic\", \"query\", \"oauth2\", \"hmac\", got \"berer\""),
            (Self.minimal.replacingOccurrences(of: "credential = \"api_key\"", with: "credential = \"api_secret\""),
             "providers/acme.lua: auth.credential: \"api_secret\" is not declared in `credentials` (api_key)"),
            (Self.minimal.replacingOccurrences(of: "credentials = {", with: "idempotency = { header = \"x-api-key\" }, credentials = {"),
             "providers/acme.lua: idempotency.header: x-api-key is a header auth sets; name the header the provider takes idempotency keys in"),
            (Self.minimal.replacingOccurrences(of: "credentials = {", with: "pagniation = {}, credentials = {"),
             "providers/acme.lua: unknown field \"pagniation\"; the fields here are"),
            (Self.minimal.replacingOccurrences(of: "https://api.acme.example/v2", with: "http://api.acme.example/v2"),
             "providers/acme.lua: base_url.live: expected an https:// URL (plain http only to this machine), got \"http://api.acme.example/v2\""),
            (Self.minimal.replacingOccurrences(of: "auth = {", with: "pagination = { kind = \"offset\", default_limit = 0 }, auth = {"),
             "providers/acme.lua: pagination.default_limit: expected a positive integer, got 0"),
            (Self.minimal.replacingOccurrences(of: "auth = { kind = \"header\", name = \"X-Api-Key\", credential = \"api_key\" }", with: """
                auth = { kind = "hmac", algorithm = "sha256", key = "api_key", message = { "method", "path", { header = "Date" } },
                         encoding = "hex", headers = { Authorization = "HMAC {sig}" } }
                """), "providers/acme.lua: auth.headers.Authorization: {sig} is neither a declared credential nor a value payrun fills in"),
            (Self.minimal.replacingOccurrences(of: "auth = { kind = \"header\", name = \"X-Api-Key\", credential = \"api_key\" }", with: """
                auth = { kind = "hmac", algorithm = "md5", key = "api_key", message = { "body" }, encoding = "hex", headers = { X = "{signature}" } }
                """), "providers/acme.lua: auth.algorithm: expected one of \"sha1\", \"sha256\", \"sha512\", got \"md5\""),
            // The encoding, which has no default, is checked last: forgotten, it hid the mistakes before it.
            (Self.minimal.replacingOccurrences(of: "auth = { kind = \"header\", name = \"X-Api-Key\", credential = \"api_key\" }", with: """
                auth = { kind = "hmac", algorithm = "sha256", key = "api_key", message = { "method", "pth" }, headers = { X = "{signature}" } }
                """), "providers/acme.lua: auth.message[2]: expected one of \"method\", \"path\""),
            (Self.minimal.replacingOccurrences(of: "auth = { kind = \"header\", name = \"X-Api-Key\", credential = \"api_key\" }", with: """
                auth = { kind = "hmac", algorithm = "sha256", key = "api_key", message = { "method", "path" }, headers = { X = "{signature}" } }
                """), "providers/acme.lua: auth.encoding: expected one of"),
            (Self.minimal.replacingOccurrences(of: "auth = {", with: "webhooks = { kind = \"standard\" }, auth = {"),
             "providers/acme.lua: webhooks.secret: expected the name of one of the credentials in `credentials`"),
            (Self.minimal.replacingOccurrences(of: "auth = {", with: "errors = { code = \"errors[0].code\" }, auth = {"),
             "providers/acme.lua: errors.code: 'errors[0].code' is not a path: array positions are written [1], [2], … counting from 1"),
            ("return {\n  name = 'acme',\n  base_url = { live = 'https://a.example' \n", "providers/acme.lua:4: '}' expected (to close '{' at line 3) near <eof>"),
            (Self.minimal.replacingOccurrences(of: "https://api.acme.example/v2", with: "https://me@evil.example/v2"),
             "providers/acme.lua: base_url.live: expected a URL like https://api.example.com/v1 (no user, password, query or fragment)"),
            (Self.minimal.replacingOccurrences(of: "auth = {", with: "retry = { \"GTE\" }, auth = {"),
             "providers/acme.lua: retry[1]: expected an HTTP method: GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE, got \"GTE\""),
            (Self.minimal.replacingOccurrences(of: "name = \"X-Api-Key\"", with: "name = \"Host\""),
             "providers/acme.lua: auth.name: Host is set by payrun's HTTP client, not by a definition"),
            (Self.minimal.replacingOccurrences(of: "auth = {", with: "pagination = { kind = \"cursor\" }, auth = {"),
             "providers/acme.lua: pagination: a cursor needs next"),
            // A key that is not a name, where functions are looked for: reported, not looped on.
            (Self.minimal.replacingOccurrences(of: "auth = {", with: "pagination = { kind = \"offset\", [1] = \"x\" }, auth = {"),
             "providers/acme.lua: pagination: unknown field 1; the fields here are"),
            // Both, or a field twice: one would be dropped without a word.
            (Self.minimal.replacingOccurrences(of: "credential = \"api_key\" }", with: "credential = \"api_key\", value = \"Token {api_key}\" }"),
             "providers/acme.lua: auth.credential: give the header's value in 'value' ({field} names a credential in it) or its credential in 'credential', not both"),
            (Self.minimal.replacingOccurrences(of: "credentials = { \"api_key\" }", with: "credentials = { \"api_key\", \"api_key\" }"),
             "providers/acme.lua: credentials: 'api_key' is named twice"),
            (Self.minimal.replacingOccurrences(of: "auth = {", with: "webhooks = { kind = \"hmac\", algorithm = \"sha256\", key = \"api_key\", message = { \"body\" }, encoding = \"hex\", header = \"X-Sig\", timestamp = { header = \"X-Time\" } }, auth = {"),
             "providers/acme.lua: webhooks.timestamp: the timestamp header is checked for age but not signed"),
        ]
        for (source, expected) in cases {
            let problem = problem(source)
            #expect(problem.hasPrefix(expected), "\(problem)")
        }
    }

    @Test func aDefinitionCannotReadACredentialOrReachCodeFilesOrTheNetwork() {
        let attempts: [(String, String)] = [
            ("local key = payrun.credential('acme', 'api_key')",
             "'payrun' is not available in a provider definition (credentials and requests are not reachable from a definition"),
            ("local home = os.getenv('HOME')", "'os' is not available in a provider definition"),
            ("local f = io.open('/etc/passwd')", "'io' is not available in a provider definition"),
            ("local m = require('socket')", "'require' is not available in a provider definition"),
            ("local f = load('return 1')", "'load' is not available in a provider definition"),
            ("dofile('/tmp/x.lua')", "'dofile' is not available in a provider definition"),
            ("local d = string.dump(string.len)", "attempt to call a nil value (field 'dump')"),
            ("secret = 'x'", "a definition cannot set the global 'secret': use local, and return the table"),
            ("local ok = rawset(_G, 'payrun', {})", "'rawset' is not available in a provider definition"),
            ("setmetatable(_G, nil)", "'setmetatable' is not available in a provider definition"),
        ]
        for (line, expected) in attempts {
            let problem = problem(line + "\n" + Self.minimal)
            #expect(problem.hasPrefix("providers/acme.lua:1: " + expected), "\(problem)")
        }
    }

    @Test func signingAndVerifyingAreDataNeverCode() {
        let signing = Self.minimal.replacingOccurrences(of: "auth = { kind = \"header\", name = \"X-Api-Key\", credential = \"api_key\" }", with: """
            auth = { kind = "hmac", algorithm = "sha256", key = "api_key", encoding = "hex",
                     message = function(request, secret) return secret end, headers = { X = "{signature}" } }
            """)
        #expect(problem(signing) == "providers/acme.lua: auth.message: a function is not allowed here: signing runs in Swift, with data the definition declares")
        let header = Self.minimal.replacingOccurrences(of: "credential = \"api_key\" }", with: "value = function() return 'x' end }")
        #expect(problem(header).hasPrefix("providers/acme.lua: auth.value: a function is not allowed here"))
        let webhooks = Self.minimal.replacingOccurrences(of: "auth = {", with: "webhooks = { kind = \"header\", name = \"X-Token\", credential = \"api_key\", type = function(b) return b end }, auth = {")
        #expect(problem(webhooks).hasPrefix("providers/acme.lua: webhooks.type: a function is not allowed here: webhooks are verified in Swift"))
        let methods = Self.minimal.replacingOccurrences(of: "auth = {", with: "methods = { find = function() end }, auth = {")
        #expect(problem(methods).hasPrefix("providers/acme.lua: methods: expected Lua source, in [[ ]], that returns a table of methods"))
    }

    @Test func methodsAreCompiledWhenReadAndKeepTheFilesLineNumbers() throws {
        let broken = """
            return {
              name = "acme",
              base_url = { live = "https://api.acme.example/v2" },
              credentials = { "api_key" },
              auth = { kind = "header", name = "X-Api-Key", credential = "api_key" },
              methods = [[
                local m = {}
                ---Finds it.
                function m:find(x
                  return x
                end
                return m
              ]],
            }
            """
        // Found by `payrun providers`, not at the first `payrun.provider("acme")` of a script.
        #expect(problem(broken) == "providers/acme.lua: methods: does not compile: line 10: ')' expected near 'return'")
        let fixed = try load(broken.replacingOccurrences(of: "function m:find(x\n", with: "function m:find(x)\n"))
        let methods = try #require(fixed.methods)
        #expect(methods.chunkName == "@providers/acme.lua", "an error in a method names the file")
        #expect(methods.source.split(separator: "\n", omittingEmptySubsequences: false)[8].contains("function m:find(x)"),
                "line 9 of the chunk is line 9 of the file")
        // The same with Windows line breaks, and a commented-out `methods = [[` above the real one.
        let windows = "-- methods = [[ an old draft ]]\n" + broken
        #expect(problem(windows.replacingOccurrences(of: "\n", with: "\r\n")) == "providers/acme.lua: methods: does not compile: line 11: ')' expected near 'return'")
    }

    @Test func credentialsGoOnlyToHostsTheDefinitionDeclares() throws {
        let oauth = Self.minimal.replacingOccurrences(of: "auth = { kind = \"header\", name = \"X-Api-Key\", credential = \"api_key\" }", with: """
            credentials = { "client_id", "client_secret" },
            auth = { kind = "oauth2", token_url = "https://login.elsewhere.example/oauth/token", client_id = "client_id", client_secret = "client_secret" }
            """).replacingOccurrences(of: "  credentials = { \"api_key\" },\n", with: "")
        #expect(problem(oauth) == "providers/acme.lua: auth.token_url: login.elsewhere.example is not one of the provider's hosts: "
            + "the client credentials would go there; add it to `hosts` if it is the provider's authorization server")
        let declared = try load(oauth.replacingOccurrences(of: "credentials = {", with: "hosts = { \"login.elsewhere.example\" }, credentials = {"))
        #expect(DeclaredProvider(declared).hosts(in: .live, sandboxServer: nil) == ["api.acme.example", "login.elsewhere.example"])
        #expect(problem(oauth.replacingOccurrences(of: "https://login.elsewhere.example/oauth/token", with: "/oauth/token")) == "no error")
        #expect(problem(oauth.replacingOccurrences(of: "https://login.elsewhere.example/oauth/token", with: "https://x@login.elsewhere.example/token"))
            .hasPrefix("providers/acme.lua: auth.token_url: expected a URL like"))
    }

    @Test func aTableThatWouldTakeForeverToCopyIsRefused() {
        let problem = problem("local t = {} for i = 1, 40 do t = { t, t } end\n" + Self.minimal.replacingOccurrences(of: "return {", with: "return { endpoints = t,"))
        #expect(problem.hasPrefix("providers/acme.lua: the table it returns holds more than 100000 values"), "\(problem)")
    }

    @Test func aRunawayOrGreedyDefinitionIsStopped() {
        #expect(problem("while true do end\n" + Self.minimal) == "providers/acme.lua: it ran for more than a second: a definition only builds a table")
        let greedy = problem("local s = string.rep('x', 1 << 30)\n" + Self.minimal)
        #expect(greedy.contains("not enough memory"), "\(greedy)")
    }

    @Test func definitionsAreFoundNextToTheScriptThenInLibFoldersThenTheUsersConfig() throws {
        let root = URL(fileURLWithPath: TestFiles.path("payrun-definitions")).path
        defer { try? FileManager.default.removeItem(atPath: root) }
        func write(_ folder: String, _ name: String, host: String, path: String = "/v2",
                   auth: String = #"{ kind = "header", name = "X-Api-Key", credential = "api_key" }"#) throws {
            try FileManager.default.createDirectory(atPath: "\(root)/\(folder)/providers", withIntermediateDirectories: true)
            let text = Self.minimal.replacingOccurrences(of: "\"acme\"", with: "\"\(name)\"")
                .replacingOccurrences(of: "api.acme.example/v2", with: host + path)
                .replacingOccurrences(of: #"{ kind = "header", name = "X-Api-Key", credential = "api_key" }"#, with: auth)
            try text.write(toFile: "\(root)/\(folder)/providers/\(name).lua", atomically: true, encoding: .utf8)
        }
        try write("scripts", "acme", host: "near.example")
        try write("lib", "acme", host: "near.example")
        try write("lib", "zeta", host: "zeta.example")
        try write("config/payrun", "omega", host: "omega.example")
        let search = DeclaredProviderSearch(
            scriptPath: "\(root)/scripts/pay.lua", libraryPaths: ["\(root)/lib"], environment: ["XDG_CONFIG_HOME": "\(root)/config", "HOME": "/nonexistent"])
        #expect(search.folders == ["\(root)/scripts/providers", "\(root)/lib/providers", "\(root)/config/payrun/providers"])
        let found = try search.find(reserving: ["particeep"])
        #expect(found.map(\.provider.name) == ["acme", "omega", "zeta"])
        #expect(found[0].provider.definition.file == "\(root)/scripts/providers/acme.lua", "the script's own folder first")
        #expect(found[0].shadowed == ["\(root)/lib/providers/acme.lua"])
        // One that would send the credentials somewhere else is refused, not used.
        try write("scripts", "omega", host: "elsewhere.example")
        do {
            _ = try search.find(reserving: ["particeep"])
            Issue.record("a definition next to the script redirected the user's own")
        } catch {
            #expect(error.description.hasPrefix("\(root)/scripts/providers/omega.lua: base_url: \(root)/config/payrun/providers/omega.lua also declares \"omega\", with another base_url"))
        }
        // So is one on the same host that sends them to another path (another tenant of a shared
        // host), or the same way into the URL's query, where servers log it.
        for (path, auth, field) in [
            ("/tenant-b", #"{ kind = "header", name = "X-Api-Key", credential = "api_key" }"#, "base_url"),
            ("/v2", #"{ kind = "query", name = "X-Api-Key", credential = "api_key" }"#, "auth"),
        ] {
            try write("scripts", "omega", host: "omega.example", path: path, auth: auth)
            do {
                _ = try search.find(reserving: ["particeep"])
                Issue.record("a definition next to the script changed where the credentials go (\(field))")
            } catch {
                #expect(error.description.hasPrefix("\(root)/scripts/providers/omega.lua: \(field): ") && error.description.contains("with another \(field)"),
                        "\(error.description)")
            }
        }
        try FileManager.default.removeItem(atPath: "\(root)/scripts/providers/omega.lua")
        // A pipe named like a definition is passed over rather than read (which would block).
        #expect(mkfifo("\(root)/lib/providers/pipe.lua", 0o600) == 0)
        #expect(try search.find(reserving: ["particeep"]).map(\.provider.name) == ["acme", "omega", "zeta"])
        try write("lib", "particeep", host: "evil.example")
        do {
            _ = try search.find(reserving: ["particeep"])
            Issue.record("a definition replaced a built-in provider")
        } catch {
            #expect(error.description.hasPrefix("\(root)/lib/providers/particeep.lua: name: \"particeep\" is a built-in provider, which a definition cannot replace"))
        }
    }
}
