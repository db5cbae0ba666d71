// An in-memory ScriptOutput, for tests and for hosts that show a script's output themselves.

/// Keeps everything a script writes, in order.
public final class CapturedOutput: ScriptOutput {
    /// Each write, in order, with the stream it went to.
    public private(set) var writes: [(stream: ScriptStream, bytes: [UInt8])] = []

    public init() {}

    public func write(_ bytes: UnsafeRawBufferPointer, to stream: ScriptStream) {
        writes.append((stream, Array(bytes)))
    }

    /// What went to standard output, as text.
    public var standardOutput: String { text(of: .standardOutput) }
    /// What went to standard error, as text.
    public var standardError: String { text(of: .standardError) }
    /// Both streams interleaved as written, as a terminal would show them.
    public var combined: String { String(decoding: writes.flatMap(\.bytes), as: UTF8.self) }

    private func text(of stream: ScriptStream) -> String {
        String(decoding: writes.filter { $0.stream == stream }.flatMap(\.bytes), as: UTF8.self)
    }
}
