// Reading a whole file the user pointed payrun at (a script's input, a certificate key), with a cap,
// without Foundation.
import Glibc

public enum FileContents {
    public enum Failure: Error, Equatable {
        /// The file cannot be opened or read; the system's reason.
        case unreadable(String)
        case tooLarge
    }

    /// The bytes of the file at `path`, at most `limit` of them.
    public static func read(_ path: String, limit: Int) throws(Failure) -> [UInt8] {
        guard let file = fopen(path, "r") else { throw .unreadable(String(cString: strerror(errno))) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count == 0 { break }
            bytes += buffer[0..<count]
            guard bytes.count <= limit else { throw .tooLarge }
        }
        guard ferror(file) == 0 else { throw .unreadable(String(cString: strerror(errno))) }
        return bytes
    }
}
