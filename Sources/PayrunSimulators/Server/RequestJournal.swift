// The requests a sandbox received, newest kept, for `/_sandbox/requests`: what tests check and
// what a user reads when a script did not do what they thought. Headers and bodies, which carry
// credentials and personal data, are never kept.
import PayrunLocks
import PayrunFormats

/// The last requests received, oldest first.
public final class RequestJournal: Sendable {
    public struct Entry: Sendable, Equatable {
        /// When the request arrived, in seconds since 1970.
        let arrival: Int
        public let method: String
        public let path: String
        public let query: String?
        /// The status answered, or nil when the connection was dropped on purpose.
        public let status: Int?
        public let milliseconds: Double
        /// The fault put into the reply, if any.
        public let fault: String?

        /// When the request arrived, ISO 8601 UTC.
        public var time: String { UTCTime.text(arrival) }
    }

    /// A ring: when full, the newest entry overwrites the oldest, without moving the others.
    private struct Ring {
        var entries: [Entry] = []
        var oldest = 0

        var ordered: [Entry] { Array(entries[oldest...] + entries[..<oldest]) }
    }

    private let capacity: Int
    private let ring = Locked(Ring())

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
    }

    /// The entries kept, oldest first.
    public var all: [Entry] {
        ring.withLock { $0.ordered }
    }

    public func removeAll() {
        ring.withLock { $0 = Ring() }
    }

    func record(_ entry: Entry) {
        ring.withLock { ring in
            if ring.entries.count < capacity {
                ring.entries.append(entry)
            } else {
                ring.entries[ring.oldest] = entry
                ring.oldest = (ring.oldest + 1) % capacity
            }
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
            writer.field(time: "time", entry.arrival)
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
