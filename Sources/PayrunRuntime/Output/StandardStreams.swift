// The process's stdout and stderr, kept in order with each other: one instance per process, since
// a second buffer of standard output could be flushed out of order (or not at all).
import Glibc
import PayrunLocks

/// Writes to the process's standard output and error. Standard output is buffered (unless it
/// is a terminal) and flushed before anything goes to standard error, so the two read in the
/// order they were written even when both go to one pipe or file. Safe from any thread.
public final class StandardStreams: ScriptOutput, Sendable {
    /// The process's streams.
    public static let shared = StandardStreams()

    /// What one lock guards: standard output not yet written, and the progress line on standard
    /// error, if one shows (cleared before anything else is written and drawn again after, so it
    /// stays the last line).
    private struct State {
        var buffer: [UInt8] = []
        var progress: [UInt8]?
    }

    private let state = Locked(State())
    private let isTerminal: Bool
    private let errorIsTerminal: Bool
    private static let bufferSize = 64 * 1024

    private init() {
        isTerminal = isatty(STDOUT_FILENO) != 0
        errorIsTerminal = isatty(STDERR_FILENO) != 0
        state.withLock { $0.buffer.reserveCapacity(Self.bufferSize) }
    }

    public func write(_ bytes: UnsafeRawBufferPointer, to stream: ScriptStream) {
        state.withLock { state in
            let line = state.progress
            if line != nil { Self.clearLine.withUnsafeBytes { Self.writeAll($0, to: STDERR_FILENO) } }
            defer { if let line { line.withUnsafeBytes { Self.writeAll($0, to: STDERR_FILENO) } } }
            switch stream {
            case .standardOutput:
                state.buffer.append(contentsOf: bytes)
                if isTerminal || state.buffer.count >= Self.bufferSize { Self.flush(&state.buffer) }
            case .standardError:
                Self.flush(&state.buffer)
                Self.writeAll(bytes, to: STDERR_FILENO)
            }
        }
    }

    public var drawsProgress: Bool { errorIsTerminal }

    public func showProgress(_ line: String?) {
        guard errorIsTerminal else { return }
        state.withLock { state in
            Self.flush(&state.buffer)
            let bytes = line.map { Array("\r\($0)\u{1B}[K".utf8) }
            state.progress = bytes
            (bytes ?? Self.clearLine).withUnsafeBytes { Self.writeAll($0, to: STDERR_FILENO) }
        }
    }

    /// Back to the start of the line, and the line erased.
    private static let clearLine: [UInt8] = Array("\r\u{1B}[K".utf8)

    /// Writes out what standard output holds; call before the process exits.
    public func flush() {
        state.withLock { Self.flush(&$0.buffer) }
    }

    private static func flush(_ buffer: inout [UInt8]) {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { writeAll($0, to: STDOUT_FILENO) }
        buffer.removeAll(keepingCapacity: true)
    }

    private static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) {
        var offset = 0
        while offset < bytes.count {
            let written = SystemCall.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }  // a closed pipe: nobody is reading any more
            offset += written
        }
    }
}
