// Real money needs a person's yes: a mutating request to a live provider is confirmed by the
// host's prompt (`payrun`'s asks on the terminal), or allowed up front with --yes, and refused
// when neither is possible.

/// Where a question can be put to the person running payrun.
public protocol ConfirmationPrompt: Sendable {
    /// The answer to `question`, or nil when there is no one to ask (no terminal).
    func ask(_ question: String) -> String?
}

/// No one to ask: every live mutation is refused unless approved in advance. What a host gets
/// unless it supplies a prompt of its own (`payrun` asks on the controlling terminal).
public struct NoConfirmationPrompt: ConfirmationPrompt {
    public init() {}

    public func ask(_ question: String) -> String? { nil }
}

/// Decides whether a mutating request may be sent. Outside `live` it always may.
public struct LiveConfirmation: Sendable {
    public let environment: PayrunEnvironment
    /// `--yes`: the person said yes to every mutation before the run.
    public let approvedInAdvance: Bool
    public let prompt: any ConfirmationPrompt

    public struct Refused: Error, CustomStringConvertible {
        public let description: String
    }

    public init(environment: PayrunEnvironment, approvedInAdvance: Bool, prompt: any ConfirmationPrompt = NoConfirmationPrompt()) {
        self.environment = environment
        self.approvedInAdvance = approvedInAdvance
        self.prompt = prompt
    }

    /// The most of a body the question quotes: enough for a payout's amount, currency and
    /// recipient, not a batch's every line.
    public static let quotedBodyLimit = 400

    /// Returns if `request` (e.g. "POST https://api.particeep.com/v1/transfers") may go out;
    /// throws, sending nothing, otherwise.
    public func confirm(_ request: String, provider: String) throws(Refused) {
        try confirm(request, provider: provider, body: nil)
    }

    /// Returns if `request` with `body` may go out; throws, sending nothing, otherwise. The
    /// question quotes the body (its first ``quotedBodyLimit`` bytes): a yes is to an amount and
    /// a recipient, not only to a URL.
    public func confirm(_ request: String, provider: String, body: String?) throws(Refused) {
        guard environment == .live, !approvedInAdvance else { return }
        let quoted = body.map { " with " + Self.quoted($0) } ?? ""
        guard let answer = prompt.ask("payrun: send \(request)\(quoted) to \(provider) in LIVE (real money)? Type yes to send: ") else {
            throw Refused(description: "refused to send \(request) to \(provider) in live: there is no terminal to confirm it on; "
                + "run payrun on a terminal, or pass --yes to approve every live request of this run")
        }
        guard answer.lowercased().trimmingCharacters() == "yes" else {
            throw Refused(description: "not sent: \(request) to \(provider) in live was not confirmed")
        }
    }

    /// `body` on one line, cut at ``quotedBodyLimit`` bytes (at a character) with what was left out.
    static func quoted(_ body: String) -> String {
        let bytes = body.utf8.count
        guard bytes > quotedBodyLimit else { return body }
        var kept = 0
        let scalars = body.unicodeScalars.prefix { scalar in
            kept += UTF8.width(scalar)
            return kept <= quotedBodyLimit
        }
        return String(String.UnicodeScalarView(scalars)) + "… (\(bytes) bytes)"
    }
}

extension String {
    fileprivate func trimmingCharacters() -> String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text = text.dropFirst() }
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return String(text)
    }
}
