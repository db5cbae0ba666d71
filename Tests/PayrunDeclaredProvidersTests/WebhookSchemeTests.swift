// The webhook kinds a definition can declare, verified the way `payrun listen` verifies them:
// Standard Webhooks against the specification's published test vector, several signatures
// during a key rotation, an HMAC of the body in a header, a static header, HTTP Basic, and each
// refusing a forgery, a stale timestamp and a missing header.
import Crypto
import Foundation
@testable import PayrunDeclaredProviders
import PayrunProviderKit
import Testing

@Suite struct WebhookSchemeTests {
    func provider(_ webhooks: String, credentials: String, sandbox: String) throws -> (DeclaredProvider, ProviderCredentials) {
        let source = """
            return {
              name = "hooks", base_url = { live = "https://api.hooks.example" },
              credentials = { \(credentials) }, sandbox_credentials = { \(sandbox) },
              webhooks = \(webhooks),
            }
            """
        let provider = DeclaredProvider(try DefinitionFile.load(Array(source.utf8), file: "providers/hooks.lua"))
        return (provider, ProviderCredentials(for: provider, in: .sandbox, from: MemoryCredentialStore()))
    }

    @Test func standardWebhooksPassesTheSpecificationsTestVector() throws {
        let (provider, credentials) = try provider(
            #"{ kind = "standard", secret = "signing_secret" }"#, credentials: #""signing_secret""#,
            sandbox: #"signing_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw""#)
        let body = Array(#"{"test": 2432232314}"#.utf8)
        func verify(_ signature: String, id: String = "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: String = "1614265330", now: Int = 1_614_265_330) -> WebhookVerdict {
            provider.verify(IncomingWebhook(
                headers: [("webhook-id", id), ("webhook-timestamp", timestamp), ("webhook-signature", signature)], body: body), with: credentials, now: now)
        }
        let published = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        #expect(verify(published) == .valid)
        #expect(verify("v1,bm9wZQ== " + published) == .valid, "during a key rotation, any one signature")
        #expect(verify("v1,bm9wZQ==") == .invalid("the webhook-signature does not match"))
        #expect(verify(published, id: "msg_other") == .invalid("the webhook-signature does not match"))
        #expect(verify(published, now: 1_614_265_330 + 301) == .invalid("the webhook-timestamp header is more than 300 s from now: too old to trust (or the clocks differ)"))
        #expect(verify(published, now: 1_614_265_330 - 301) == .invalid("the webhook-timestamp header is more than 300 s ahead of now: the clocks differ, or it was made to be sent later"))
        #expect(verify(published, timestamp: "yesterday") == .invalid("the webhook-timestamp header is not a timestamp"))
        #expect(verify(published, timestamp: "-9223372036854775808") == .invalid("the webhook-timestamp header is not a timestamp"), "no overflow")
        #expect(provider.verify(IncomingWebhook(headers: [], body: body), with: credentials, now: 0) == .invalid("no webhook-id header"))
        let described = provider.describe(IncomingWebhook(headers: [("webhook-id", "msg_1")], body: Array(#"{"type":"payout.failed"}"#.utf8)))
        #expect(described == WebhookDescription(type: "payout.failed", id: "msg_1"))
    }

    @Test func anHMACOfTheBodyInANamedHeader() throws {
        let (provider, credentials) = try provider(
            #"{ kind = "hmac", algorithm = "sha256", key = "webhook_secret", message = { "body" }, encoding = "hex", header = "X-Hub-Signature-256", value = "sha256={signature}", type = { header = "X-Event" } }"#,
            credentials: #""webhook_secret""#, sandbox: #"webhook_secret = "It's a Secret to Everybody""#)
        // GitHub's documented example: this secret and body give this signature.
        let body = Array("Hello, World!".utf8)
        let expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        func verify(_ headers: [(String, String)]) -> WebhookVerdict {
            provider.verify(IncomingWebhook(headers: headers, body: body), with: credentials, now: 0)
        }
        #expect(verify([("X-Hub-Signature-256", expected)]) == .valid)
        #expect(verify([("x-hub-signature-256", "sha256=" + String(repeating: "0", count: 64))]) == .invalid("the X-Hub-Signature-256 signature does not match"))
        #expect(verify([]) == .invalid("no X-Hub-Signature-256 header"))
        #expect(provider.describe(IncomingWebhook(headers: [("X-Event", "push")], body: body)).type == "push")
    }

    @Test func aSignedTimestampHeaderIsCheckedForAge() throws {
        let (provider, credentials) = try provider(
            #"{ kind = "hmac", algorithm = "sha512", key = "key", message = { "timestamp", { literal = ":" }, "body" }, encoding = "base64", timestamp = { header = "X-Timestamp", format = "unix" }, header = "X-Signature" }"#,
            credentials: #""key""#, sandbox: #"key = "k3y""#)
        let body = Array(#"{"ok":true}"#.utf8)
        let signature = Data(HMAC<SHA512>.authenticationCode(for: Array("1700000000:".utf8) + body, using: SymmetricKey(data: Array("k3y".utf8)))).base64EncodedString()
        func verify(now: Int, timestamp: String = "1700000000") -> WebhookVerdict {
            provider.verify(IncomingWebhook(headers: [("X-Timestamp", timestamp), ("X-Signature", signature)], body: body), with: credentials, now: now)
        }
        #expect(verify(now: 1_700_000_100) == .valid)
        #expect(verify(now: 1_700_000_100, timestamp: "1700000001") == .invalid("the X-Signature signature does not match"))
        #expect(verify(now: 1_700_001_000) == .invalid("the X-Timestamp header is more than 300 s from now: too old to trust (or the clocks differ)"))
    }

    @Test func aStaticHeaderAndBasicCredentials() throws {
        let (header, headerCredentials) = try provider(
            #"{ kind = "header", name = "X-Webhook-Token", credential = "token" }"#, credentials: #""token""#, sandbox: #"token = "tok_123""#)
        #expect(header.verify(IncomingWebhook(headers: [("x-webhook-token", "tok_123")], body: []), with: headerCredentials, now: 0) == .valid)
        #expect(header.verify(IncomingWebhook(headers: [("X-Webhook-Token", "tok_124")], body: []), with: headerCredentials, now: 0) == .invalid("the X-Webhook-Token header does not match"))
        #expect(header.webhookSecretHeaders.contains("x-webhook-token"), "the inbox keeps its name only")
        let (basic, basicCredentials) = try provider(
            #"{ kind = "basic", username = "user", password = "password" }"#, credentials: #""user", "password""#, sandbox: #"user = "hooks", password = "pa:ss""#)
        let good = "Basic " + Data("hooks:pa:ss".utf8).base64EncodedString()
        #expect(basic.verify(IncomingWebhook(headers: [("Authorization", good)], body: []), with: basicCredentials, now: 0) == .valid)
        #expect(basic.verify(IncomingWebhook(headers: [("Authorization", "Basic aG9va3M6bm8=")], body: []), with: basicCredentials, now: 0) == .invalid("the Basic credentials do not match"))
        let unconfigured = ProviderCredentials(provider: "hooks", environment: .live, secrets: [:])
        #expect(basic.verify(IncomingWebhook(headers: [("Authorization", good)], body: []), with: unconfigured, now: 0)
            == .invalid("the hooks.user and hooks.password credentials to check it with are not configured"))
    }
}
