// The webhooks inbox in PostgreSQL. Claims take due events with FOR UPDATE SKIP LOCKED, so that
// several listeners never hand the same event over at once (river's and Oban's claim).
import NIOCore
import PayrunFormats
import PayrunJournal
import PostgresNIO

/// An ``InboxStore`` in a PostgreSQL database.
public final class PostgresInboxStore: InboxStore {
    private let database: PostgresDatabase
    public var location: String { database.location }
    public var isShared: Bool { true }

    private init(database: PostgresDatabase) {
        self.database = database
    }

    /// Connects to the database `url` names (its user's password from PGPASSWORD, else `password`), making or migrating payrun's tables.
    /// - Parameter creating: make payrun's tables in a database that has none; false refuses it.
    public static func open(_ url: String, password: String? = nil, creating: Bool = true) async throws(StoreError) -> PostgresInboxStore {
        PostgresInboxStore(database: try await PostgresDatabase.open(url, password: password, creating: creating))
    }

    public func store(_ events: [ReceivedEvent]) async throws(StoreError) -> [StoredEvent] {
        guard !events.isEmpty else { return [] }
        var binds = PostgresBindings()
        var rows: [String] = []
        for (offset, event) in events.enumerated() {
            let base = offset * 6
            rows.append("(" + (1...6).map { "$\(base + $0)" }.joined(separator: ", ") + ", 'received', $\(base + 6))")
            binds.append(event.provider)
            binds.append(event.type)
            binds.append(event.key)
            binds.append(Self.text(event.headers))
            binds.append(ByteBuffer(bytes: event.body))
            binds.append(event.receivedAt)
        }
        // One statement, one commit for the batch; the first of a batch's copies is stored. Listeners
        // waiting on the channel are woken when it commits (one notification however many rows).
        // The commit is on disk before the senders are answered.
        let insert = PostgresQuery(unsafeSQL: """
            INSERT INTO payrun.events(provider, type, event_key, headers, body, received_at, state, next_at) VALUES \(rows.joined(separator: ", "))
            ON CONFLICT(provider, event_key) DO NOTHING RETURNING id, provider, event_key, pg_notify('\(Self.channel)', '')
            """, binds: binds)
        let inserted = try await database.query(doing: "storing \(events.count) received event(s)", durable: true, insert)
        var fresh: [String: Int] = [:]
        for row in inserted { fresh[StoredEvent.identity(provider: row.text("provider"), key: row.text("event_key"))] = row.integer("id") }
        var earlier: [String: Int] = [:]
        let missing = events.filter { fresh[StoredEvent.identity(provider: $0.provider, key: $0.key)] == nil }
        if !missing.isEmpty {
            let rows = try await database.query(doing: "finding stored events", """
                SELECT id, provider, event_key FROM payrun.events
                WHERE (provider, event_key) IN (SELECT * FROM UNNEST(\(missing.map(\.provider)), \(missing.map(\.key))))
                """)
            for row in rows { earlier[StoredEvent.identity(provider: row.text("provider"), key: row.text("event_key"))] = row.integer("id") }
        }
        return StoredEvent.outcomes(of: events, inserted: fresh, earlier: earlier)
    }

    /// The channel new and replayed events are announced on (LISTEN/NOTIFY).
    static let channel = "payrun_events"

    public func claim(limit: Int, now: Int, owner: String, leaseUntil: Int) async throws(StoreError) -> [InboxEvent] {
        try await database.query(doing: "claiming due events", """
            WITH claimed AS (
              UPDATE payrun.events SET state = 'running', attempts = attempts + 1, owner = \(owner), claimed_at = \(now), lease_until = \(leaseUntil)
              WHERE id IN (SELECT id FROM payrun.events WHERE state IN ('received', 'retrying') AND next_at <= \(now)
                           ORDER BY next_at, id LIMIT \(limit) FOR UPDATE SKIP LOCKED)
              RETURNING *),
            begun AS (INSERT INTO payrun.event_attempts(event_id, number, started_at) SELECT id, attempts, \(now) FROM claimed)
            SELECT * FROM claimed
            """).map(Self.event(from:)).sorted { ($0.nextAttemptAt ?? 0, $0.id) < ($1.nextAttemptAt ?? 0, $1.id) }
    }

    @discardableResult
    public func finish(_ id: Int, attempt: Int, owner: String, result: AttemptResult, runID: String?, now: Int) async throws(StoreError) -> Bool {
        let (state, nextAt, error, outcome) = result.recorded
        let interrupted = outcome == .interrupted
        return try await database.query(doing: "recording how event \(id) was handled", """
            WITH ended AS (
              UPDATE payrun.events SET state = \(state.rawValue), next_at = COALESCE(\(nextAt), CASE WHEN \(interrupted) THEN next_at END),
                last_error = COALESCE(\(error), last_error), owner = NULL, lease_until = NULL,
                ended_at = \(now), outcome = \(outcome.rawValue), run_id = \(runID),
                attempts = CASE WHEN \(interrupted) THEN GREATEST(attempts - 1, 0) ELSE attempts END
              WHERE id = \(id) AND attempts = \(attempt) AND state = 'running' AND owner = \(owner) RETURNING id),
            attempt AS (
              UPDATE payrun.event_attempts SET ended_at = \(now), outcome = \(outcome.rawValue), error = \(error), run_id = \(runID)
              WHERE event_id IN (SELECT id FROM ended) AND number = \(attempt) AND ended_at IS NULL)
            SELECT id FROM ended
            """).count == 1
    }

    public func renew(_ ids: Set<Int>, owner: String, leaseUntil: Int) async throws(StoreError) -> Set<Int> {
        guard !ids.isEmpty else { return [] }
        return Set(try await database.query(doing: "renewing the leases of the events being handled", """
            UPDATE payrun.events SET lease_until = \(leaseUntil) WHERE id = ANY(\(ids.sorted())) AND state = 'running' AND owner = \(owner) RETURNING id
            """).map { $0.integer("id") })
    }

    public func recover(leasesEndedBy deadline: Int, now: Int) async throws(StoreError) -> Int {
        // SKIP LOCKED: an event another listener is finishing right now is not its to take back.
        try await database.query(doing: "taking back the events a stopped listener held", """
            WITH taken AS (
              UPDATE payrun.events SET state = 'retrying', attempts = GREATEST(attempts - 1, 0), owner = NULL, lease_until = NULL,
                ended_at = \(now), outcome = 'interrupted', run_id = NULL
              WHERE id IN (SELECT id FROM payrun.events WHERE state = 'running' AND COALESCE(lease_until, 0) <= \(deadline)
                           FOR UPDATE SKIP LOCKED)
              RETURNING id, attempts + 1 AS number),
            ended AS (
              UPDATE payrun.event_attempts a SET ended_at = \(now), outcome = 'interrupted'
              FROM taken WHERE a.event_id = taken.id AND a.number = taken.number AND a.ended_at IS NULL)
            SELECT id, pg_notify(\(Self.channel), '') FROM taken
            """).count
    }

    public func watchArrivals(_ wake: @escaping @Sendable () -> Void) async {
        // One pooled connection listens for as long as the listener runs; when it is lost (the
        // database restarted), it listens again a second later, and polling covers the gap.
        while !Task.isCancelled {
            do {
                try await database.client.withConnection { connection in
                    try await connection.listen(on: Self.channel) { notifications in
                        wake()
                        for try await _ in notifications { wake() }
                    }
                }
            } catch {}
            try? await Task.sleep(for: .seconds(1))
        }
    }

    public func nextDue() async throws(StoreError) -> Int? {
        try await database.query(doing: "finding the next due event", "SELECT MIN(next_at) AS due FROM payrun.events WHERE state IN ('received', 'retrying')")
            .first?.optionalInteger("due")
    }

    public func events(_ filter: EventFilter) async throws(StoreError) -> [InboxEvent] {
        var query = Self.condition(filter, binds: PostgresBindings())
        query.binds.append(filter.limit)
        query.sql = "SELECT * FROM payrun.events WHERE \(query.sql) ORDER BY id DESC LIMIT $\(query.binds.count)"
        return try await database.query(doing: "listing events", query).map(Self.event(from:))
    }

    public func event(_ id: Int) async throws(StoreError) -> InboxEvent? {
        try await database.query(doing: "reading event \(id)", "SELECT * FROM payrun.events WHERE id = \(id)").first.map(Self.event(from:))
    }

    public func attempts(of id: Int) async throws(StoreError) -> [EventAttempt] {
        try await database.query(doing: "reading the attempts of event \(id)", "SELECT * FROM payrun.event_attempts WHERE event_id = \(id) ORDER BY id")
            .map { row in
                EventAttempt(
                    eventID: id, number: row.integer("number"), startedAt: row.integer("started_at"), endedAt: row.optionalInteger("ended_at"),
                    outcome: row.optionalText("outcome").flatMap(EventAttempt.Outcome.init), error: row.optionalText("error"),
                    runID: row.optionalText("run_id"))
            }
    }

    public func replay(_ filter: EventFilter, now: Int, afresh: Bool) async throws(StoreError) -> [Int] {
        var binds = PostgresBindings()
        binds.append(now)
        binds.append(afresh)
        var query = Self.condition(filter, binds: binds)
        query.sql = """
            UPDATE payrun.events SET replays = replays + CASE WHEN $2 OR state IN ('handled', 'unhandled') THEN 1 ELSE 0 END, attempts = 0,
              state = 'received', next_at = $1
            WHERE \(query.sql) AND state != 'running' RETURNING id, pg_notify('\(Self.channel)', '')
            """
        return try await database.query(doing: "replaying events", query).map { $0.integer("id") }.sorted()
    }

    public func counts() async throws(StoreError) -> [EventState: Int] {
        var counts: [EventState: Int] = [:]
        for row in try await database.query(doing: "counting events", "SELECT state, COUNT(*) AS n FROM payrun.events GROUP BY state") {
            if let state = EventState(rawValue: row.text("state")) { counts[state] = row.integer("n") }
        }
        return counts
    }

    public func close() async {
        await database.close()
    }

    /// The filter as a WHERE condition, its values bound after `binds`.
    private static func condition(_ filter: EventFilter, binds: PostgresBindings) -> PostgresQuery {
        var binds = binds
        var parts = ["TRUE"]
        func bind(_ value: some PostgresDynamicTypeEncodable) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        if let provider = filter.provider { parts.append("provider = " + bind(provider)) }
        if let type = filter.type { parts.append("type = " + bind(type)) }
        if let since = filter.since { parts.append("received_at >= " + bind(since)) }
        if let states = filter.states { parts.append("state = ANY(" + bind(states.map(\.rawValue).sorted()) + ")") }
        if let ids = filter.ids { parts.append("id = ANY(" + bind(ids) + ")") }
        return PostgresQuery(unsafeSQL: parts.joined(separator: " AND "), binds: binds)
    }

    private static func text(_ headers: [Header]) -> String {
        String(decoding: JSONValue.array(headers.map { .array([.string($0.name), .string($0.value)]) }).encoded(), as: UTF8.self)
    }

    private static func event(from row: PostgresRandomAccessRow) -> InboxEvent {
        var headers: [Header] = []
        if case .array(let pairs)? = try? JSONValue.parse(Array(row.text("headers").utf8)) {
            for case .array(let pair) in pairs where pair.count == 2 { headers.append(Header(pair[0].string ?? "", pair[1].string ?? "")) }
        }
        let body = (try? row["body"].decode(ByteBuffer.self)).map { Array($0.readableBytesView) } ?? []
        let received = ReceivedEvent(
            provider: row.text("provider"), type: row.text("type"), key: row.text("event_key"), headers: headers, body: body,
            receivedAt: row.integer("received_at"))
        return InboxEvent(
            id: row.integer("id"), received: received, state: EventState(rawValue: row.text("state")) ?? .received,
            attempts: row.integer("attempts"), nextAttemptAt: row.optionalInteger("next_at"), lastError: row.optionalText("last_error"),
            replays: row.integer("replays"), lastOutcome: row.optionalText("outcome").flatMap(EventAttempt.Outcome.init))
    }
}
