// The requests a sandbox received, newest kept, for `/_sandbox/requests`: what tests check and
// what a user reads when a script did not do what they thought. Headers and bodies, which carry
// credentials and personal data, are never kept.
import Synchronization

/// The last requests received, oldest first.
public final class RequestJournal: Sendable {
    public struct Entry: Sendable, Equatable {
        /// When the request arrived, ISO 8601 UTC.
        public let time: String
        public let method: String
        public let path: String
        public let query: String?
        /// The status answered, or nil when the connection was dropped on purpose.
        public let status: Int?
        public let milliseconds: Double
        /// The fault put into the reply, if any.
        public let fault: String?
    }

    private let capacity: Int
    private let entries: Mutex<[Entry]>

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        entries = Mutex([])
    }

    /// The entries kept, oldest first.
    public var all: [Entry] {
        entries.withLock { $0 }
    }

    public func removeAll() {
        entries.withLock { $0.removeAll() }
    }

    func record(_ entry: Entry) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeFirst(entries.count - capacity + 1) }
            entries.append(entry)
        }
    }

    /// `{"requests": [...]}` with the last `limit` entries.
    func json(limit: Int) -> [UInt8] {
        var writer = JSONWriter()
        writer.openObject()
        writer.key("requests")
        writer.openArray()
        for entry in all.suffix(limit) {
            writer.openObject()
            writer.field("time", entry.time)
            writer.field("method", entry.method)
            writer.field("path", entry.path)
            writer.field("query", entry.query)
            writer.key("status")
            if let status = entry.status { writer.integer(status) } else { writer.null() }
            writer.key("ms")
            writer.number((entry.milliseconds * 10).rounded() / 10)
            writer.field("fault", entry.fault)
            writer.closeObject()
        }
        writer.closeArray()
        writer.closeObject()
        return writer.bytes
    }
}
