// The process's stdout and stderr, kept in order with each other.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to the process's standard output and error. Standard output is buffered (unless it
/// is a terminal) and flushed before anything goes to standard error, so the two read in the
/// order the script wrote them even when both go to one pipe or file.
public final class StandardStreams: ScriptOutput {
    private var buffer: [UInt8] = []
    private let isTerminal: Bool
    private static let bufferSize = 64 * 1024

    public init() {
        isTerminal = isatty(STDOUT_FILENO) != 0
        buffer.reserveCapacity(Self.bufferSize)
    }

    deinit {
        flush()
    }

    public func write(_ bytes: UnsafeRawBufferPointer, to stream: OutputStream) {
        switch stream {
        case .standardOutput:
            buffer.append(contentsOf: bytes)
            if isTerminal || buffer.count >= Self.bufferSize { flush() }
        case .standardError:
            flush()
            Self.writeAll(bytes, to: STDERR_FILENO)
        }
    }

    /// Writes out what standard output holds; call before the process exits.
    public func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { Self.writeAll($0, to: STDOUT_FILENO) }
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
