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

    /// Each secret is looked for by its rarest byte, which may stand anywhere in it.
    @Test func theRarestByteAnchorsTheSearch() {
        #expect(SearchedSecret(Array("sandbox-particeep-key".utf8)).anchor == 6)  // the x
        #expect(SearchedSecret(Array("00000000".utf8)).anchor == 0)
    }

    @Test(arguments: ["sandbox-particeep-key", "Zq0000000", "00000000q", "abcdefgh"])
    func aSecretIsFoundWhereverItsAnchorStands(secret: String) {
        let searched = SearchedSecret(Array(secret.utf8))
        // Near misses: every prefix of the secret, and the secret with its last byte changed.
        let misses = (1..<secret.utf8.count).map { String(decoding: secret.utf8.prefix($0), as: UTF8.self) }.joined(separator: "\"")
            + String(decoding: secret.utf8.dropLast() + [UInt8(ascii: "!")], as: UTF8.self)
        for filler in [0, 1, 7, 40, 2000] {
            let around = String(String(repeating: "{\"status\":\"x\"}", count: filler / 14 + 1).prefix(filler))
            for text in [misses + around + secret, secret + around + misses, around + secret + around] {
                #expect(Array(text.utf8).withUnsafeBytes(searched.occurs), "\(filler) bytes around it")
            }
            #expect(!Array((misses + around).utf8).withUnsafeBytes(searched.occurs))
        }
        #expect(!Array(secret.utf8.dropFirst()).withUnsafeBytes(searched.occurs))
    }
}
