// Where a script's printed output goes: the terminal for `payrun run`, memory for tests.

/// The two streams a script writes to.
public enum ScriptStream: Sendable {
    case standardOutput
    case standardError
}

/// A sink for what a script prints. Writes arrive in the order the script made them; an
/// implementation keeps that order across the two streams.
public protocol ScriptOutput: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer, to stream: ScriptStream)
}

extension ScriptOutput {
    public func write(_ text: String, to stream: ScriptStream) {
        var text = text
        text.withUTF8 { write(UnsafeRawBufferPointer($0), to: stream) }
    }
}
