// The webhooks inbox in the state store's SQLite file, beside the runs. Received events are
// committed with synchronous=FULL: an event the listener has answered 2xx is on disk. Claims and
// outcomes are not synced (they survive the process, not a power cut): an outcome lost with the
// machine hands its event over again, and its handlers' finished run (whose journal has its own
// syncs) is found instead of being run again.
import Logging
import NIOCore
import PayrunFormats
import PayrunJournal
import SQLiteNIO

/// An ``InboxStore`` in the SQLite file a ``SQLiteRunStore`` uses.
///
/// Writes take turns on one connection (``WriteLock``); other processes (`payrun inbox replay`)
/// write through SQLite's own lock.
public final class SQLiteInboxStore: InboxStore {
    public let location: String
    /// `synchronous=NORMAL`: claims, outcomes, replays and reads.
    private let connection: SQLiteConnection
    /// `synchronous=FULL`: received events only.
    private let durable: SQLiteConnection
    private let writing = WriteLock()

    private init(location: String, connection: SQLiteConnection, durable: SQLiteConnection) {
        self.location = location
        self.connection = connection
        self.durable = durable
    }

    /// Opens the inbox in the store at `path`, making or migrating its tables.
    /// - Throws: ``StoreError`` saying what to fix.
    public static func open(at path: String) async throws(StoreError) -> SQLiteInboxStore {
        // The run store makes the folder and says what is wrong with it.
        let runs = try await SQLiteRunStore.open(at: path)
        await runs.close()
        var opened: [SQLiteConnection] = []
        do {
            let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            opened.append(connection)
            try await SQLiteSchema.prepare(connection, location: path, synchronous: "NORMAL")
            let durable = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            opened.append(durable)
            try await SQLiteSchema.prepare(durable, location: path, synchronous: "FULL")
            return SQLiteInboxStore(location: path, connection: connection, durable: durable)
        } catch {
            for connection in opened { try? await connection.close() }
            throw StoreError(sqlite: error, at: path, doing: "opening the inbox")
        }
    }

    private static let logger = Logger(label: "payrun.inbox", factory: { _ in SwiftLogNoOpLogHandler() })

    // MARK: Receiving

    public func store(_ events: [ReceivedEvent]) async throws(StoreError) -> [StoredEvent] {
        guard !events.isEmpty else { return [] }
        return try await write(doing: "storing \(events.count) received event(s)") {
            var binds: [SQLiteData] = []
            for event in events {
                binds += [
                    .text(event.provider), .text(event.type), .text(event.key), .text(Self.text(event.headers)),
                    .blob(ByteBuffer(bytes: event.body)), .integer(event.receivedAt), .integer(event.receivedAt),
                ]
            }
            let rows = Array(repeating: "(?, ?, ?, ?, ?, ?, 'received', ?)", count: events.count).joined(separator: ", ")
            // One statement, one commit, one fsync for the whole batch.
            let insertedRows = try await self.durable.query(
                """
                INSERT INTO events(provider, type, event_key, headers, body, received_at, state, next_at) VALUES \(rows)
                ON CONFLICT(provider, event_key) DO NOTHING RETURNING id, provider, event_key
                """, binds)
            var inserted: [String: Int] = [:]
            for row in insertedRows { inserted[Self.identity(row)] = row.column("id")?.integer }
            var earlier: [String: Int] = [:]
            // Copies within the batch are among the inserted; only events stored before are read back.
            let missing = events.filter { inserted[StoredEvent.identity(provider: $0.provider, key: $0.key)] == nil }
            if !missing.isEmpty {
                let pairs = Array(repeating: "(?, ?)", count: missing.count).joined(separator: ", ")
                let rows = try await self.durable.query(
                    "SELECT id, provider, event_key FROM events WHERE (provider, event_key) IN (VALUES \(pairs))",
                    missing.flatMap { [SQLiteData.text($0.provider), .text($0.key)] })
                for row in rows { earlier[Self.identity(row)] = row.column("id")?.integer }
            }
            return StoredEvent.outcomes(of: events, inserted: inserted, earlier: earlier)
        }
    }

    private static func identity(_ row: SQLiteRow) -> String {
        StoredEvent.identity(provider: row.column("provider")?.string ?? "", key: row.column("event_key")?.string ?? "")
    }

    // MARK: Handing over

    public func claim(limit: Int, now: Int, owner: String, leaseUntil: Int) async throws(StoreError) -> [InboxEvent] {
        try await write(doing: "claiming due events") {
            // The attempt's row is added by the event_attempt_begins trigger.
            try await self.connection.query(
                """
                UPDATE events SET state = 'running', attempts = attempts + 1, owner = ?, claimed_at = ?, lease_until = ?
                WHERE id IN (SELECT id FROM events WHERE state IN ('received', 'retrying') AND next_at <= ? ORDER BY next_at, id LIMIT ?)
                RETURNING *
                """, [.text(owner), .integer(now), .integer(leaseUntil), .integer(now), .integer(limit)]
            ).map(Self.event(from:)).sorted { ($0.nextAttemptAt ?? 0, $0.id) < ($1.nextAttemptAt ?? 0, $1.id) }
        }
    }

    @discardableResult
    public func finish(_ id: Int, attempt: Int, owner: String, result: AttemptResult, runID: String?, now: Int) async throws(StoreError) -> Bool {
        let (state, nextAt, error, outcome) = result.recorded
        return try await write(doing: "recording how event \(id) was handled") {
            // The attempt's row is ended by the event_attempt_ends trigger, from the columns set here.
            try await self.connection.query(
                """
                UPDATE events SET state = ?, next_at = COALESCE(?, CASE WHEN ? THEN next_at END), last_error = COALESCE(?, last_error),
                  owner = NULL, lease_until = NULL, ended_at = ?, outcome = ?,
                  run_id = ?, attempts = CASE WHEN ? THEN MAX(attempts - 1, 0) ELSE attempts END
                WHERE id = ? AND attempts = ? AND state = 'running' AND owner = ? RETURNING id
                """,
                [.text(state.rawValue), nextAt.map(SQLiteData.integer) ?? .null, .integer(outcome == .interrupted ? 1 : 0),
                 error.map(SQLiteData.text) ?? .null, .integer(now),
                 .text(outcome.rawValue), runID.map(SQLiteData.text) ?? .null, .integer(outcome == .interrupted ? 1 : 0), .integer(id),
                 .integer(attempt), .text(owner)]).count == 1
        }
    }

    public func renew(_ ids: Set<Int>, owner: String, leaseUntil: Int) async throws(StoreError) -> Set<Int> {
        guard !ids.isEmpty else { return [] }
        let list = ids.sorted().map(String.init).joined(separator: ", ")
        return try await write(doing: "renewing the leases of the events being handled") {
            Set(try await self.connection.query(
                "UPDATE events SET lease_until = ? WHERE id IN (\(list)) AND state = 'running' AND owner = ? RETURNING id",
                [.integer(leaseUntil), .text(owner)]
            ).compactMap { $0.column("id")?.integer })
        }
    }

    public func recover(leasesEndedBy deadline: Int, now: Int) async throws(StoreError) -> Int {
        try await write(doing: "taking back the events a stopped listener held") {
            try await self.connection.query(
                """
                UPDATE events SET state = 'retrying', attempts = MAX(attempts - 1, 0), owner = NULL, lease_until = NULL, ended_at = ?,
                  outcome = 'interrupted', run_id = NULL
                WHERE state = 'running' AND COALESCE(lease_until, 0) <= ? RETURNING id
                """, [.integer(now), .integer(deadline)]
            ).count
        }
    }

    public func nextDue() async throws(StoreError) -> Int? {
        try await write(doing: "finding the next due event") {
            try await self.connection.query("SELECT MIN(next_at) AS due FROM events WHERE state IN ('received', 'retrying')")
                .first?.column("due")?.integer
        }
    }

    // MARK: Reading and replaying

    public func events(_ filter: EventFilter) async throws(StoreError) -> [InboxEvent] {
        let (condition, binds) = Self.condition(filter)
        return try await write(doing: "listing events") {
            try await self.connection.query("SELECT * FROM events WHERE \(condition) ORDER BY id DESC LIMIT ?", binds + [.integer(filter.limit)])
                .map(Self.event(from:))
        }
    }

    public func event(_ id: Int) async throws(StoreError) -> InboxEvent? {
        try await write(doing: "reading event \(id)") {
            try await self.connection.query("SELECT * FROM events WHERE id = ?", [.integer(id)]).first.map(Self.event(from:))
        }
    }

    public func attempts(of id: Int) async throws(StoreError) -> [EventAttempt] {
        try await write(doing: "reading the attempts of event \(id)") {
            try await self.connection.query("SELECT * FROM event_attempts WHERE event_id = ? ORDER BY id", [.integer(id)]).map { row in
                EventAttempt(
                    eventID: id, number: row.column("number")?.integer ?? 0, startedAt: row.column("started_at")?.integer ?? 0,
                    endedAt: row.column("ended_at")?.integer, outcome: row.column("outcome")?.string.flatMap(EventAttempt.Outcome.init),
                    error: row.column("error")?.string, runID: row.column("run_id")?.string)
            }
        }
    }

    public func replay(_ filter: EventFilter, now: Int, afresh: Bool) async throws(StoreError) -> [Int] {
        let (condition, binds) = Self.condition(filter)
        return try await write(doing: "replaying events") {
            try await self.connection.query(
                """
                UPDATE events SET replays = replays + (? OR state IN ('handled', 'unhandled')), attempts = 0, state = 'received', next_at = ?
                WHERE \(condition) AND state != 'running' RETURNING id
                """, [.integer(afresh ? 1 : 0), .integer(now)] + binds
            ).compactMap { $0.column("id")?.integer }.sorted()
        }
    }

    public func counts() async throws(StoreError) -> [EventState: Int] {
        try await write(doing: "counting events") {
            var counts: [EventState: Int] = [:]
            for row in try await self.connection.query("SELECT state, COUNT(*) AS n FROM events GROUP BY state") {
                if let state = row.column("state")?.string.flatMap(EventState.init) { counts[state] = row.column("n")?.integer ?? 0 }
            }
            return counts
        }
    }

    public func close() async {
        try? await connection.close()
        try? await durable.close()
    }

    // MARK: Rows

    private static func condition(_ filter: EventFilter) -> (String, [SQLiteData]) {
        var parts = ["1 = 1"]
        var binds: [SQLiteData] = []
        if let provider = filter.provider { parts.append("provider = ?"); binds.append(.text(provider)) }
        if let type = filter.type { parts.append("type = ?"); binds.append(.text(type)) }
        if let since = filter.since { parts.append("received_at >= ?"); binds.append(.integer(since)) }
        if let states = filter.states {
            parts.append("state IN (" + (states.isEmpty ? "NULL" : states.map { _ in "?" }.joined(separator: ", ")) + ")")
            binds += states.sorted { $0.rawValue < $1.rawValue }.map { .text($0.rawValue) }
        }
        if let ids = filter.ids {
            parts.append("id IN (" + (ids.isEmpty ? "NULL" : ids.map { _ in "?" }.joined(separator: ", ")) + ")")
            binds += ids.map(SQLiteData.integer)
        }
        return (parts.joined(separator: " AND "), binds)
    }

    private static func text(_ headers: [Header]) -> String {
        String(decoding: JSONValue.array(headers.map { .array([.string($0.name), .string($0.value)]) }).encoded(), as: UTF8.self)
    }

    private static func event(from row: SQLiteRow) throws -> InboxEvent {
        var headers: [Header] = []
        if case .array(let pairs) = try JSONValue.parse(Array((row.column("headers")?.string ?? "[]").utf8)) {
            for case .array(let pair) in pairs where pair.count == 2 {
                headers.append(Header(pair[0].string ?? "", pair[1].string ?? ""))
            }
        }
        let body = row.column("body")?.blob.map { Array($0.readableBytesView) } ?? []
        let received = ReceivedEvent(
            provider: row.column("provider")?.string ?? "", type: row.column("type")?.string ?? "", key: row.column("event_key")?.string ?? "",
            headers: headers, body: body, receivedAt: row.column("received_at")?.integer ?? 0)
        return InboxEvent(
            id: row.column("id")?.integer ?? 0, received: received,
            state: EventState(rawValue: row.column("state")?.string ?? "") ?? .received, attempts: row.column("attempts")?.integer ?? 0,
            nextAttemptAt: row.column("next_at")?.integer, lastError: row.column("last_error")?.string,
            replays: row.column("replays")?.integer ?? 0, lastOutcome: row.column("outcome")?.string.flatMap(EventAttempt.Outcome.init))
    }

    // MARK: Turns

    private func write<Result: Sendable>(doing what: String, _ body: @escaping @Sendable () async throws -> Result) async throws(StoreError) -> Result {
        do {
            return try await writing.holding { try await SQLiteSchema.retryingBusy(body) }
        } catch {
            throw StoreError(sqlite: error, at: location, doing: what)
        }
    }
}
