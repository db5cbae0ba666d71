// Writing to a file descriptor whole, for the terminal and the history file alike.
import Glibc

enum Descriptor {
    /// Writes `text` to `descriptor`, retrying short and interrupted writes; stops quietly when
    /// the other end is gone (a closed terminal, a full disk).
    static func writeAll(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            bytes = bytes.dropFirst(count)
        }
    }
}
