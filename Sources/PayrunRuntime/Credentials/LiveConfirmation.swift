// Real money needs a person's yes: a mutating request to a live provider is confirmed on the
// terminal, or allowed up front with --yes, and refused when neither is possible.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a question can be put to the person running payrun.
public protocol ConfirmationPrompt: Sendable {
    /// The answer to `question`, or nil when there is no one to ask (no terminal).
    func ask(_ question: String) -> String?
}

/// The controlling terminal (`/dev/tty`), so a script's piped input or output does not answer.
public struct TerminalPrompt: ConfirmationPrompt {
    public init() {}

    public func ask(_ question: String) -> String? {
        let descriptor = open("/dev/tty", O_RDWR | O_NOCTTY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var prompt = question
        _ = prompt.withUTF8 { SystemCall.write(descriptor, $0.baseAddress, $0.count) }
        var answer: [UInt8] = []
        var byte: UInt8 = 0
        while SystemCall.read(descriptor, &byte, 1) == 1, byte != UInt8(ascii: "\n"), answer.count < 64 {
            answer.append(byte)
        }
        return String(decoding: answer, as: UTF8.self)
    }
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

    public init(environment: PayrunEnvironment, approvedInAdvance: Bool, prompt: any ConfirmationPrompt = TerminalPrompt()) {
        self.environment = environment
        self.approvedInAdvance = approvedInAdvance
        self.prompt = prompt
    }

    /// Returns if `request` (e.g. "POST https://api.particeep.com/v1/transfers") may go out;
    /// throws, sending nothing, otherwise.
    public func confirm(_ request: String, provider: String) throws(Refused) {
        guard environment == .live, !approvedInAdvance else { return }
        guard let answer = prompt.ask("payrun: send \(request) to \(provider) in LIVE (real money)? Type yes to send: ") else {
            throw Refused(description: "refused to send \(request) to \(provider) in live: there is no terminal to confirm it on; "
                + "run payrun on a terminal, or pass --yes to approve every live request of this run")
        }
        guard answer.lowercased().trimmingCharacters() == "yes" else {
            throw Refused(description: "not sent: \(request) to \(provider) in live was not confirmed")
        }
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
