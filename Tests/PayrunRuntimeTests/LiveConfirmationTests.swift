// Live mutations need a yes: from --yes, or typed on the terminal; without either, nothing goes.
import PayrunRuntime
import Synchronization
import Testing

/// A prompt with a scripted answer, or none (no terminal).
struct ScriptedPrompt: ConfirmationPrompt {
    let answer: String?
    func ask(_ question: String) -> String? { answer }
}

/// A prompt that keeps the questions it was asked.
final class RecordingPrompt: ConfirmationPrompt, Sendable {
    private let asked = Mutex<[String]>([])
    var questions: [String] { asked.withLock { $0 } }
    func ask(_ question: String) -> String? {
        asked.withLock { $0.append(question) }
        return "yes"
    }
}

@Suite struct LiveConfirmationTests {
    let request = "POST https://api.particeep.com/v1/transfers"

    @Test func outsideLiveNothingIsAsked() throws {
        for environment in [PayrunEnvironment.sandbox, .test] {
            try LiveConfirmation(environment: environment, approvedInAdvance: false, prompt: ScriptedPrompt(answer: nil))
                .confirm(request, provider: "particeep")
        }
    }

    @Test func inLiveYesOnTheTerminalSends() throws {
        try LiveConfirmation(environment: .live, approvedInAdvance: false, prompt: ScriptedPrompt(answer: " Yes "))
            .confirm(request, provider: "particeep")
        try LiveConfirmation(environment: .live, approvedInAdvance: true, prompt: ScriptedPrompt(answer: nil))
            .confirm(request, provider: "particeep")
    }

    @Test func inLiveAnythingElseRefuses() {
        #expect {
            try LiveConfirmation(environment: .live, approvedInAdvance: false, prompt: ScriptedPrompt(answer: "y"))
                .confirm(request, provider: "particeep")
        } throws: { error in
            "\(error)" == "not sent: POST https://api.particeep.com/v1/transfers to particeep in live was not confirmed"
        }
        #expect {
            try LiveConfirmation(environment: .live, approvedInAdvance: false, prompt: ScriptedPrompt(answer: nil))
                .confirm(request, provider: "particeep")
        } throws: { error in
            "\(error)".contains("there is no terminal to confirm it on; run payrun on a terminal, or pass --yes")
        }
    }

    @Test func theQuestionQuotesTheBodySoTheYesIsToAnAmount() throws {
        let prompt = RecordingPrompt()
        let confirmation = LiveConfirmation(environment: .live, approvedInAdvance: false, prompt: prompt)
        try confirmation.confirm(request, provider: "particeep", body: #"{"amount":"1250.00","currency":"EUR"}"#)
        #expect(prompt.questions == [
            #"payrun: send POST https://api.particeep.com/v1/transfers with {"amount":"1250.00","currency":"EUR"} to particeep in LIVE (real money)? Type yes to send: "#,
        ])
        // A batch's body is cut, at a character, saying how long it was.
        let batch = "[" + String(repeating: "\"é\",", count: 200) + "\"é\"]"
        try confirmation.confirm(request, provider: "particeep", body: batch)
        let quoted = try #require(prompt.questions.last)
        #expect(quoted.contains("… (\(batch.utf8.count) bytes) to particeep in LIVE"), "\(quoted)")
        #expect(quoted.utf8.count < 400 + 200, "\(quoted.utf8.count) bytes")
    }
}
