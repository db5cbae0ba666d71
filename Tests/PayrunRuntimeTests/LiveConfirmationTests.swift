// Live mutations need a yes: from --yes, or typed on the terminal; without either, nothing goes.
import PayrunRuntime
import Testing

/// A prompt with a scripted answer, or none (no terminal).
struct ScriptedPrompt: ConfirmationPrompt {
    let answer: String?
    func ask(_ question: String) -> String? { answer }
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
}
