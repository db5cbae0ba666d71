// A provider's secrets stay out of the script however a careless or hostile service answers: a
// token it issued and then echoes, a secret cut part-way by an error's quote of the answer, and
// no credential at all over plain HTTP to anywhere but this machine. The "provider" here is a
// service in the test standing in for the sandbox's simulators.
import Foundation
import Payrun
import PayrunTestSupport
import Testing

@Suite struct EchoedSecretTests {
    func engine(sandbox url: String) -> PayrunEngine {
        var configuration = PayrunEngine.Configuration.standard(credentials: MemoryCredentialStore())
        configuration.sandboxServer = RunningSandbox(url: url)
        return PayrunEngine(configuration)
    }

    func visible(_ result: ScriptResult) -> String {
        [result.output?.standardOutput ?? "", result.output?.standardError ?? "", result.error?.description ?? ""].joined(separator: "\n")
    }

    @Test func anAccessTokenTheProviderEchoesIsRedactedInItsAnswersAndErrors() async throws {
        let token = "OAUTHTOKEN-q1w2e3r4t5y6u7i8o9p0"
        let receiver = try await ServiceReceiver.start(answering: [
            .status(200, body: #"{"access_token":"\#(token)","expires_in":3600,"token_type":"Bearer"}"#),
            .echo,
            .status(400, body: #"{"message":"token \#(token) is not allowed here"}"#),
        ])
        let engine = engine(sandbox: receiver.url)
        let result = try await engine.run(.text("""
            local t = payrun.provider("tradevest")
            print(t:get("/echo").authorization)
            local none, err = t:tryrequest{ method = "GET", path = "/refused" }
            print(tostring(err))
            """, name: "token.lua"))
        #expect(result.status == .success, "\(visible(result))")
        let lines = result.output?.standardOutput.split(separator: "\n").map(String.init) ?? []
        #expect(lines.first == "Bearer [redacted tradevest.token]", "\(lines)")
        #expect(lines.last?.contains("[redacted tradevest.token] is not allowed here") == true, "\(lines)")
        #expect(!visible(result).contains("OAUTHTOKEN"), "the token never reaches the script")
        #expect(receiver.received.dropFirst().first?.headers["authorization"] == "Bearer \(token)", "the token was sent, to its provider")
        await engine.shutdown()
        await receiver.stop()
    }

    @Test func aSecretCutPartWayByAnErrorsQuoteOfTheAnswerIsRedacted() async throws {
        // Not JSON: the error quotes the answer's first 80 bytes, which end inside the echoed key.
        let echo = String(repeating: "x", count: 60) + "PTP:sandbox-particeep-key:c2lnbmF0dXJl"
        let receiver = try await ServiceReceiver.start(answering: [.status(400, body: echo)])
        let engine = engine(sandbox: receiver.url)
        let result = try await engine.run(.text("""
            local none, err = payrun.provider("particeep"):tryrequest{ method = "GET", path = "/user/usr_1" }
            print(err.message)
            """, name: "cut.lua"))
        #expect(result.status == .success, "\(visible(result))")
        let message = result.output?.standardOutput ?? ""
        // The key and the secret start alike ("sandbox-particee"): the rest of the answer says which was cut.
        #expect(message.contains("the first bytes: " + String(repeating: "x", count: 60) + "PTP:[redacted particeep.api_key]\n"), "\(message)")
        #expect(!visible(result).contains("sandbox-part"), "no part of the key shows")
        await engine.shutdown()
        await receiver.stop()
    }

    @Test func aWholeMessageThatEndsLikeASecretStartsIsLeftAlone() async throws {
        // Only a quote of the answer's start is cut: an error's own text, whole, is not touched
        // because its last letters are how a secret the answer echoes begins.
        let receiver = try await ServiceReceiver.start(answering: [
            .status(400, body: #"{"hasError":true,"errors":[{"technicalCode":"E1","message":"refused: not sand"}],"echo":"sandbox-particeep-key"}"#),
        ])
        let engine = engine(sandbox: receiver.url)
        let result = try await engine.run(.text("""
            local none, err = payrun.provider("particeep"):tryrequest{ method = "GET", path = "/user/usr_1" }
            print(err.message)
            """, name: "whole.lua"))
        #expect(result.output?.standardOutput.hasSuffix("not sand\n") == true, "\(visible(result))")
        await engine.shutdown()
        await receiver.stop()
    }

    @Test func noCredentialGoesOverPlainHTTPBeyondThisMachineEvenInTheSandbox() async throws {
        // 0.0.0.0 reaches this machine's own sockets, so a regression would be caught by the
        // receiver here and never leave the machine; it is not a loopback address, so it is refused.
        let receiver = try await ServiceReceiver.start()
        let engine = engine(sandbox: "http://0.0.0.0:\(receiver.port)")
        let result = try await engine.run(.text("""
            local none, err = payrun.provider("peex"):tryrequest{ method = "GET", path = "/clients/balance" }
            print(err.message)
            """, name: "plain.lua"))
        #expect(result.status == .success, "\(visible(result))")
        #expect(result.output?.standardOutput.contains(
            "refusing to send peex credentials to http://0.0.0.0:\(receiver.port)/peex") == true, "\(visible(result))")
        #expect(result.output?.standardOutput.contains("over plain HTTP they go only to this machine") == true)
        #expect(receiver.received.isEmpty, "nothing was sent")
        await engine.shutdown()
        await receiver.stop()
    }
}
