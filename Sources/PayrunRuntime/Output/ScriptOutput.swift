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
    /// Whether standard error is a terminal a progress line can be redrawn on.
    var drawsProgress: Bool { get }
    /// Shows `line` as the one progress line at the bottom of the terminal (nil clears it); the
    /// output keeps it below whatever else is written. Only called when ``drawsProgress``.
    func showProgress(_ line: String?)
    /// Writes out what is buffered: called before a request that may move money goes out, so
    /// that what a script printed before a payment is not lost with the process if it is killed.
    func flush()
}

extension ScriptOutput {
    public var drawsProgress: Bool { false }
    public func showProgress(_ line: String?) {}
    public func flush() {}

    public func write(_ text: String, to stream: ScriptStream) {
        var text = text
        text.withUTF8 { write(UnsafeRawBufferPointer($0), to: stream) }
    }
}
