// What a handler prints, written to the listener's log as it comes, one line at a time, each
// after the event it was printed for.
import PayrunLocks
import PayrunRuntime

/// A ``ScriptOutput`` that turns a run's printed text into log lines prefixed with `prefix`.
final class HandlerOutput: ScriptOutput, Sendable {
    private let prefix: String
    private let log: ListenerLog
    /// Text of a line not ended yet, per stream.
    private let partial = Locked<[ScriptStream: [UInt8]]>([:])
    /// Lines past this many are counted, not logged: a handler that loops on print must not fill the disk.
    private let lineLimit = 1000
    private let lines = Locked(0)
    /// A line longer than this is logged cut, the rest of it dropped: the log's lines stay short
    /// and a handler printing without a newline cannot fill the listener's memory.
    private static let lineLength = 8 << 10

    init(prefix: String, log: ListenerLog) {
        self.prefix = prefix
        self.log = log
    }

    func write(_ bytes: UnsafeRawBufferPointer, to stream: ScriptStream) {
        let complete = partial.withLock { partial -> [String] in
            var buffer = partial[stream, default: []]
            var lines: [String] = []
            for byte in bytes {
                if byte == UInt8(ascii: "\n") {
                    lines.append(String(decoding: buffer.prefix(Self.lineLength), as: UTF8.self))
                    buffer.removeAll(keepingCapacity: true)
                } else if buffer.count <= Self.lineLength {
                    buffer.append(byte)
                }
            }
            partial[stream] = buffer
            return lines
        }
        for line in complete { emit(line) }
    }

    /// Logs what is left of an unfinished line, and says how many lines were dropped.
    func finish() {
        let rest = partial.withLock { partial in
            defer { partial = [:] }
            return partial.values.filter { !$0.isEmpty }.map { String(decoding: $0, as: UTF8.self) }
        }
        for line in rest { emit(line) }
        let dropped = lines.withLock { $0 } - lineLimit
        if dropped > 0 { log.line("\(prefix) | (\(dropped) more line(s) not logged)") }
    }

    private func emit(_ line: String) {
        let count = lines.withLock { count in
            count += 1
            return count
        }
        if count <= lineLimit, !line.isEmpty { log.line("\(prefix) | \(WebhookReceiver.printable(line, limit: Self.lineLength))") }
    }
}
