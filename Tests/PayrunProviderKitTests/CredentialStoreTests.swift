// The credentials file, its permissions, environment overrides and redaction.
import PayrunFormats
@testable import PayrunProviderKit
import PayrunTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct CredentialStoreTests {
    let folder = TestFiles.path("payrun-credentials")
    let particeepSecret = CredentialName(provider: "particeep", field: "api_secret")

    @Test func theFileRoundTripsWithEscapes() throws {
        let entries: [PayrunEnvironment: [CredentialName: Secret]] = [
            .live: [particeepSecret: Secret("sk_\"quoted\"\\back\nline\u{1}é")],
            .test: [CredentialName(provider: "peex", field: "secretkey"): Secret("plain")],
        ]
        let text = CredentialFile.render(entries)
        #expect(try CredentialFile.parse(text) == entries)
        #expect(text.contains("[live.particeep]\napi_secret = \"sk_\\\"quoted\\\"\\\\back\\nline\\u0001é\"\n"))
    }

    @Test func syntaxErrorsNameTheLine() {
        func problem(_ text: String) -> String {
            do {
                _ = try CredentialFile.parse(text)
                return "parsed"
            } catch {
                return error.description
            }
        }
        #expect(problem("api_key = \"x\"") == "line 1: a key before any [environment.provider] table")
        #expect(problem("[prod.particeep]") == "line 1: expected [environment.provider] with environment sandbox, test or live")
        #expect(problem("# comment\n[live.particeep]\napi_key = x") == "line 3: values must be quoted strings")
        #expect(problem("[live.particeep]\nAPI = \"x\"") == "line 2: 'API' is not a field name (lower-case letters, digits, _ and -)")
        #expect(problem("[live.particeep]\napi = \"open") == "line 2: the string is not closed")
        #expect(problem("[live.particeep]\napi = 'literal \\\\n kept' # note") == "parsed")
    }

    @Test func aFileWithWindowsLineEndsIsReadLineByLine() throws {
        // "\r\n" is one Character: split on Character "\n", the whole file was one comment line.
        let text = "# written on Windows\r\n[live.particeep]\r\napi_secret = \"sk_live_1\"\r\n"
        #expect(try CredentialFile.parse(text) == [.live: [particeepSecret: Secret("sk_live_1")]])
    }

    @Test func aCombiningMarkAfterAnEscapeReadsBack() throws {
        // Found by Fuzz/credentials: "\\n" then U+08E9 was read as the escape "\\n\u{08E9}" and refused.
        let entries: [PayrunEnvironment: [CredentialName: Secret]] = [.live: [particeepSecret: Secret("a\n\u{08E9}\"\u{0306}")]]
        #expect(try CredentialFile.parse(CredentialFile.render(entries)) == entries)
        // The error names the line, never the value.
        do {
            _ = try CredentialFile.parse("[live.particeep]\napi = \"sk_\\qsecret\"")
            Issue.record("an unknown escape was accepted")
        } catch {
            #expect(error.description.hasPrefix("line 2: unknown escape"))
            #expect(!error.description.contains("\\q") && !error.description.contains("secret"))
        }
    }

    @Test func aFileOthersCanReadIsRefusedAndSavingMakesItPrivate() throws {
        let path = folder + "/payrun/credentials.toml"
        var store = try FileCredentialStore(path: path)  // missing: empty
        #expect(store.names(in: .live).isEmpty)
        store.set(Secret("sk_live_0123456789"), for: particeepSecret, in: .live)
        try store.save()
        var info = stat()
        stat(path, &info)
        #expect(info.st_mode & 0o777 == 0o600)
        stat(folder + "/payrun", &info)
        #expect(info.st_mode & 0o777 == 0o700)
        #expect(try FileCredentialStore(path: path).secret(for: particeepSecret, in: .live) == Secret("sk_live_0123456789"))
        chmod(path, 0o644)
        #expect {
            try FileCredentialStore(path: path)
        } throws: { error in
            "\(error)" == "\(path) can be read by others (mode 644); make it yours alone: chmod 600 \(path)"
        }
    }

    @Test func environmentVariablesOverrideTheFile() {
        let file = MemoryCredentialStore([.live: [particeepSecret: Secret("from-file-0000")]])
        let name = EnvironmentOverrides.variableName(for: particeepSecret, in: .live)
        #expect(name == "PAYRUN_LIVE_PARTICEEP_API_SECRET")
        let store = EnvironmentOverrides(over: file, variables: [name: "from-env-1111"])
        #expect(store.secret(for: particeepSecret, in: .live) == Secret("from-env-1111"))
        #expect(store.secret(for: particeepSecret, in: .test) == nil)
    }

    @Test func secretsOnlyInVariablesAreListedAndRedacted() {
        let store = EnvironmentOverrides(over: MemoryCredentialStore(), variables: [
            "PAYRUN_LIVE_TRADEVEST_CLIENT_SECRET": "tv-secret-0000", "PAYRUN_NOT_A_CREDENTIAL": "x", "HOME": "/root",
        ])
        let name = CredentialName(provider: "tradevest", field: "client_secret")
        #expect(store.names(in: .live) == [name])
        #expect(Redactor(store: store).redact("token tv-secret-0000") == "token [redacted tradevest.client_secret]")
    }

    @Test func secretsNeverPrintInSwiftEither() {
        let secret = Secret("sk_live_0123456789")
        #expect("\(secret)" == "[secret]")
        #expect(String(reflecting: secret) == "[secret]")
        #expect(secret.hint == "•••• (18 bytes)", "a password's length shows nothing of it")
        #expect(Secret("sk_live_0123456789abcdefgh").hint == "sk…gh (26 bytes)")
        #expect(Secret("short").hint == "•••• (5 bytes)")
    }

    @Test func redactionByValue() {
        let redactor = Redactor([
            (particeepSecret, Secret("sk_live_0123456789")),
            (CredentialName(provider: "peex", field: "pin"), Secret("4821")),
            (CredentialName(provider: "peex", field: "empty"), Secret("")),
            (CredentialName(provider: "peex", field: "tiny"), Secret("ab")),
        ])
        #expect(redactor.redact("key=sk_live_0123456789;") == "key=[redacted particeep.api_secret];")
        #expect(redactor.redact("sk_live_0123456789sk_live_0123456789") == "[redacted particeep.api_secret][redacted particeep.api_secret]")
        // A short secret is replaced only where it stands alone, so numbers stay readable.
        #expect(redactor.redact("pin 4821, amount 148210") == "pin [redacted peex.pin], amount 148210")
        // Empty and tiny secrets redact nothing rather than everything.
        #expect(redactor.redact("a cab sat on a bus") == "a cab sat on a bus")
    }

    /// A webhook's body is kept: a long numeric credential written as a number goes too, as
    /// its marker; a short one inside a number is taken for the amount it far more often is.
    @Test func aLongSecretWrittenAsANumberIsRedactedFromAKeptBody() throws {
        let redactor = Redactor([
            (CredentialName(provider: "capitalist", field: "login"), Secret("90031337428")),
            (CredentialName(provider: "peex", field: "pin"), Secret("4821")),
        ])
        let body = try JSONValue.parse(Array(#"{"account": 90031337428, "big": 1900313374280000000000, "amount": 4821, "items": [{"n": 90031337428.5}]}"#.utf8))
        let kept = redactor.redactingNumbers(body)
        let marker = JSONValue.string("[redacted capitalist.login]")
        #expect(kept["account"] == marker && kept["big"] == marker && kept["amount"] == .integer(4821), "\(kept)")
        guard case .array(let items)? = kept["items"] else { Issue.record("items: \(kept)"); return }
        #expect(items.first?["n"] == marker, "\(kept)")
        // Written with an exponent or zeros around it, it is read as a float and written another way.
        for written in ["90031337428e6", "900313374280000000.0", "0.0000090031337428"] {
            let odd = redactor.redactingNumbers(try JSONValue.parse(Array("{\"n\": \(written)}".utf8)))
            #expect(odd["n"] == marker, "\(written): \(odd)")
        }
        #expect(!String(decoding: kept.encoded(), as: UTF8.self).contains("90031337428"))
    }
}
