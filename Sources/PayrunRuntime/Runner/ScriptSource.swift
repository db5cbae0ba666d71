// Reads a script's text from a file or standard input, as Lua's own loader would see it.
import Glibc

/// A script's text and the chunk name its messages will carry.
struct ScriptSource {
    var bytes: [UInt8]
    /// `@path` for a file, so messages read `path:3: ...`; `=stdin` for standard input.
    var chunkName: String

    struct ReadError: Error, CustomStringConvertible {
        let path: String
        let reason: String
        var description: String { "cannot read \(path): \(reason)" }
    }

    /// Reads `path` (`-` for standard input). A first line starting with `#` (a shebang) is
    /// blanked, keeping its newline so line numbers stay right.
    static func read(_ path: String) throws(ReadError) -> ScriptSource {
        let isStandardInput = path == "-"
        let descriptor = isStandardInput ? STDIN_FILENO : open(path, O_RDONLY)
        guard descriptor >= 0 else { throw ReadError(path: path, reason: String(cString: strerror(errno))) }
        defer { if !isStandardInput { close(descriptor) } }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { SystemCall.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            // A directory opens, then fails here with EISDIR.
            guard count >= 0 else { throw ReadError(path: path, reason: String(cString: strerror(errno))) }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        if bytes.first == UInt8(ascii: "#") {
            let end = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            bytes.removeSubrange(0..<end)
        }
        return ScriptSource(bytes: bytes, chunkName: isStandardInput ? "=stdin" : "@" + path)
    }
}
