// The search of an answer for a credential it echoes back (`ProviderCredentials.mayContain`),
// which decides whether an answer is redacted before a script sees it: a miss here hands a
// secret to the script.
@testable import PayrunProviderKit
import PayrunFormats
import Testing

@Suite struct SecretSearchTests {
    let credentials = ProviderCredentials(
        provider: "particeep", environment: .sandbox,
        secrets: ["api_key": Secret("sandbox-particeep-key"), "api_secret": Secret("sandbox-particeep-secret"), "pin": Secret("481")])

    func found(_ text: String) -> Bool { credentials.mayContain(in: Array(text.utf8)) }

    @Test func findsASecretWhereverItIs() {
        #expect(found("sandbox-particeep-key"))
        #expect(found("sandbox-particeep-secret\"}"))
        #expect(found("{\"echo\":\"sandbox-particeep-key"))
        // After many near-misses that share its start: a search that gives up at the first, or
        // skips too far past one, misses it.
        let nearMisses = String(repeating: "sandbox-particeep-ke sandbox-particeep-", count: 200)
        #expect(found(nearMisses + "sandbox-particeep-key"))
        #expect(found(nearMisses + "sandbox-sandbox-particeep-secret" + nearMisses))
        // Across the 64 KB a socket read brings at a time.
        #expect(found(String(repeating: "s", count: 65_530) + "sandbox-particeep-secret"))
    }

    @Test func findsASecretInTheFormsAnAnswerCarriesItIn() throws {
        // A key with the characters a URL's query and a JSON string write otherwise.
        let credentials = ProviderCredentials(provider: "acme", environment: .live, secrets: ["api_key": Secret("sk/live+key=42")])
        let found = { (text: String) in credentials.mayContain(in: Array(text.utf8)) }
        #expect(found("sk/live+key=42"))
        #expect(found("<https://api.acme.test/items?key=sk%2Flive%2Bkey%3D42&page=2>; rel=\"next\""))
        #expect(found(#"{"echo":"sk\/live+key=42"}"#))
        #expect(!found("sk%2Flive%2Bkey"))
        // What the script gets has none of them.
        let link = credentials.redacting([("Link", "<https://api.acme.test/items?key=sk%2Flive%2Bkey%3D42&page=2>; rel=\"next\"")])
        #expect(link[0].1 == "<https://api.acme.test/items?key=[redacted acme.api_key]&page=2>; rel=\"next\"")
        let echoed = try JSONValue.parse(Array(#"{"echo":"sk\/live+key=42"}"#.utf8))
        #expect(credentials.redacting(echoed) == .object(["echo": .string("[redacted acme.api_key]")]))
    }

    @Test func passesOverAnswersWithoutOne() {
        #expect(!found(""))
        #expect(!found("sandbox-particeep-ke"))
        #expect(!found("andbox-particeep-key"))
        #expect(!found(String(repeating: "sandbox-particeep-ke sandbox-particeep-", count: 200)))
        #expect(!found("SANDBOX-PARTICEEP-KEY"))
        // A secret shorter than the redactor's minimum is not looked for: "481" in an amount is
        // not a PIN.
        #expect(!found("{\"amount\":148100}"))
    }
}
