// The lines entered before, in this session and earlier ones: browsed with Up and Down, searched
// with Ctrl-R, and kept in a file between sessions.
import Glibc

/// Entered lines, oldest first, optionally kept in a file.
///
/// The file holds one entry a line, with `\` and line breaks escaped (`\\`, `\n`), so an entry
/// of several lines (a function typed over three) comes back whole. Entries are appended as they
/// are added, so two sessions at once both keep theirs; the file is rewritten shorter only when
/// it has grown past twice ``limit``. It is created readable by its owner only.
public final class LineHistory {
    public private(set) var entries: [String] = []
    /// The most entries kept; older ones are dropped.
    public let limit: Int
    /// Where the entries are kept, or nil for this session only.
    public let path: String?

    /// - Parameters:
    ///   - path: the history file, read now if it exists; its folder is made if need be.
    ///   - limit: how many entries to keep.
    public init(path: String? = nil, limit: Int = 1000) {
        self.path = path
        self.limit = max(1, limit)
        load()
    }

    /// Adds `line` unless it is blank or the same as the last entry.
    public func add(_ line: String) {
        guard !line.allSatisfy(\.isWhitespace), line != entries.last else { return }
        entries.append(line)
        if entries.count > limit { entries.removeFirst(entries.count - limit) }
        append(line)
    }

    /// The index of the newest entry before `index` that contains `query`, or nil.
    public func search(_ query: String, before index: Int) -> Int? {
        var candidate = min(index, entries.count) - 1
        while candidate >= 0 {
            if query.isEmpty || entries[candidate].contains(query) { return candidate }
            candidate -= 1
        }
        return nil
    }

    // MARK: The file

    static func escape(_ entry: String) -> String {
        var escaped = ""
        for character in entry {
            switch character {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    static func unescape(_ line: Substring) -> String {
        var entry = ""
        var escaping = false
        for character in line {
            if escaping {
                entry.append(character == "n" ? "\n" : character == "r" ? "\r" : character)
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                entry.append(character)
            }
        }
        return entry
    }

    private func load() {
        guard let path, let text = Self.readFile(path) else { return }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        entries = lines.suffix(limit).map(Self.unescape)
        if lines.count > 2 * limit { rewrite() }
    }

    private func append(_ entry: String) {
        guard let path else { return }
        Self.makeFolder(of: path)
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        Descriptor.writeAll(Self.escape(entry) + "\n", to: descriptor)
    }

    private func rewrite() {
        guard let path else { return }
        let temporary = path + ".new"
        let descriptor = open(temporary, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return }
        Descriptor.writeAll(entries.map { Self.escape($0) + "\n" }.joined(), to: descriptor)
        close(descriptor)
        rename(temporary, path)
    }

    private static func readFile(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += chunk[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Makes the folders above `path`, readable by their owner only (history is private).
    private static func makeFolder(of path: String) {
        var folder = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/").dropLast() {
            folder += "/" + component
            mkdir(folder, 0o700)
        }
    }
}
