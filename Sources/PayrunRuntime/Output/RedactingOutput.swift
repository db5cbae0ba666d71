// Output on its way to the terminal with every configured secret taken out.
import PayrunProviderKit

/// A ``ScriptOutput`` that redacts every write before passing it on.
public final class RedactingOutput: ScriptOutput {
    public let destination: any ScriptOutput
    public let redactor: Redactor

    public init(_ destination: any ScriptOutput, redactor: Redactor) {
        self.destination = destination
        self.redactor = redactor
    }

    public func write(_ bytes: UnsafeRawBufferPointer, to stream: ScriptStream) {
        guard !redactor.isEmpty else { return destination.write(bytes, to: stream) }
        redactor.redact(Array(bytes)).withUnsafeBytes { destination.write($0, to: stream) }
    }

    public var drawsProgress: Bool { destination.drawsProgress }

    public func flush() { destination.flush() }

    public func showProgress(_ line: String?) {
        destination.showProgress(line.map { redactor.isEmpty ? $0 : redactor.redact($0) })
    }
}
