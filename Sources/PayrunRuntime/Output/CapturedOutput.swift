// An in-memory ScriptOutput, for tests and for hosts that show a script's output themselves.

/// Keeps what a script writes, in order, up to a limit.
public final class CapturedOutput: ScriptOutput {
    /// Each write, in order, with the stream it went to.
    public private(set) var writes: [(stream: ScriptStream, bytes: [UInt8])] = []
    /// The most bytes kept; what comes after is dropped (a script printing in a loop must not
    /// fill the host's memory, which the script's own limit does not cover).
    public let limit: Int
    private var kept = 0
    /// Whether writes were dropped at the limit.
    public private(set) var isTruncated = false

    public init(limit: Int = .max) {
        self.limit = limit
    }

    public func write(_ bytes: UnsafeRawBufferPointer, to stream: ScriptStream) {
        let room = limit - kept
        guard room > 0 else {
            isTruncated = isTruncated || bytes.count > 0
            return
        }
        let taken = min(room, bytes.count)
        if taken < bytes.count { isTruncated = true }
        writes.append((stream, Array(bytes.prefix(taken))))
        kept += taken
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
