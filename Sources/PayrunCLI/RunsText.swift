// How `payrun runs` writes runs and records for a person: aligned columns, one line per record.
import Payrun

enum RunsText {
    /// `2026-11-30 21:04`.
    static func minutes(_ seconds: Int) -> String {
        let text = UTCTime.text(seconds)
        return text.prefix(10) + " " + text.dropFirst(11).prefix(5)
    }

    /// A run's status (``RunRecord/describedStatus(journal:)``), and for an unfinished one a
    /// newer run of its job left behind, that it never resumes.
    /// - Parameter journal: the run's records, to tell its process from another that has its pid
    ///   now; read from `store` when not given and needed.
    static func status(_ run: RunRecord, leftBehind: Bool, journal: [JournalRecord]? = nil, store: any RunStore) async throws -> String {
        if leftBehind && !run.status.isFinished { return "\(run.status.rawValue), left behind by a newer run" }
        return try await run.describedStatus {
            if let journal { return journal }
            return try await store.records(of: run.id)
        }
    }

    /// Whether `run` is recorded as running on this machine and its process is gone: killed, or
    /// the machine restarted. It resumes when its job runs again.
    static func isStopped(_ run: RunRecord, journal: [JournalRecord]? = nil, store: any RunStore) async throws -> Bool {
        guard run.status == .running else { return false }
        return try await status(run, leftBehind: false, journal: journal, store: store).hasPrefix("stopped (process")
    }

    /// `run` as `--json` writes it: a run whose process is gone has the status `stopped`, with
    /// `process_gone`, where its record still says `running`.
    static func json(_ run: RunRecord, journal: [JournalRecord]? = nil, store: any RunStore) async throws -> JSONValue {
        guard try await isStopped(run, journal: journal, store: store), case .object(var members) = run.json else { return run.json }
        members["status"] = .string("stopped")
        members["process_gone"] = .bool(true)
        return .object(members)
    }

    /// Which of `runs` a newer run of the same job left behind (`--new-run`, or a changed input):
    /// they never resume.
    static func leftBehind(_ runs: [RunRecord], in store: any RunStore) async throws -> Set<String> {
        var latest: [String: String] = [:]
        var left: Set<String> = []
        for run in runs where !run.status.isFinished {
            if latest[run.key] == nil { latest[run.key] = try await store.latestRun(key: run.key)?.id ?? "" }
            if latest[run.key] != run.id { left.insert(run.id) }
        }
        return left
    }

    /// Rows as columns padded to their widest cell.
    static func table(_ rows: [[String]]) -> String {
        var widths: [Int] = []
        for row in rows {
            for (column, cell) in row.enumerated() {
                if column == widths.count { widths.append(0) }
                widths[column] = max(widths[column], cell.count)
            }
        }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    /// The records as `payrun runs show` lists them, with a line where an attempt ended without
    /// one (killed, or its machine stopped): the next attempt's start, or the end of a run whose
    /// process is gone (`lastAttemptGone`).
    static func lines(_ records: [JournalRecord], lastAttemptGone: Bool) -> [String] {
        var lines: [String] = []
        var open: Int?
        let unrecorded = { (attempt: Int) in "            attempt \(attempt) ended without a record: its process was killed, its machine stopped, or its state store went away" }
        for record in records {
            if record.kind == .runStarted {
                if let open { lines.append(unrecorded(open)) }
                open = record.body["attempt"]?.integer ?? 1
            }
            if record.kind == .runEnded { open = nil }
            lines.append(line(record))
        }
        if let open, lastAttemptGone { lines.append(unrecorded(open)) }
        return lines
    }

    /// One record as `payrun runs show` lists it.
    static func line(_ record: JournalRecord) -> String {
        let time = UTCTime.text(record.at).dropFirst(11).prefix(8)
        let body = record.body
        switch record.kind {
        case .runStarted:
            var inputs = ""
            if case .object(let files)? = body["inputs"], !files.isEmpty {
                inputs = ", reading " + files.keys.sorted().map { "\($0) (sha256 \(files[$0]?.string?.prefix(12) ?? "")…)" }.joined(separator: ", ")
            }
            return "  \(time)  attempt \(body["attempt"]?.integer ?? 1) started (pid \(body["pid"]?.integer ?? 0))\(inputs)"
        case .runEnded:
            return "  \(time)  attempt ended: \(body["status"]?.string ?? "?") (exit \(body["exit"]?.integer ?? 0))"
        case .intent:
            let step = body["step"]?.string.map { " [step \($0)]" } ?? ""
            return "  \(time)  \(record.entry) sent     \(body["provider"]?.string ?? "") \(body["method"]?.string ?? "") \(body["path"]?.string ?? "")\(step)"
                + fields(body["fields"])
        case .outcome:
            if let error = body["error"] {
                return "  \(time)  \(record.entry) refused  \(error["status"]?.integer.map(String.init) ?? "") \(error["message"]?.string ?? "")"
            }
            if let reason = body["not_sent"]?.string { return "  \(time)  \(record.entry) not sent \(reason)" }
            var ids = ""
            if case .object(let members)? = body["ids"] {
                ids = " " + members.keys.sorted().map { "\($0)=\(text(members[$0]!))" }.joined(separator: " ")
            }
            let again = body["already_accepted"] == .bool(true) ? " (already accepted)" : ""
            return "  \(time)  \(record.entry) answered \(body["status"]?.integer ?? 0)\(ids)\(again)"
        case .resolution where body["decision"]?.string == "send_again":
            return "  \(time)  \(record.entry) refused, to be sent again (\(body["how"]?.string ?? ""), by \(body["by"]?.string ?? "?"))"
        case .resolution:
            let id = body["id"].map { " as \(text($0))" } ?? ""
            return "  \(time)  \(record.entry) in doubt, settled: \(body["decision"]?.string ?? "?")\(id) (\(body["how"]?.string ?? ""), by \(body["by"]?.string ?? "?"))"
        case .stepStarted:
            return "  \(time)  step \(record.entry) started at \(body["at"]?.string ?? "?")"
        case .stepFinished:
            return "  \(time)  step \(record.entry) finished" + (body["by"]?.string == "lookup" ? " (found by its lookup)" : "")
        }
    }

    static func json(_ record: JournalRecord) -> JSONValue {
        .object([
            "seq": .integer(record.sequence), "kind": .string(record.kind.rawValue), "at": .string(UTCTime.text(record.at)),
            "entry": .string(record.entry), "body": record.body, "digest": .string(record.digest), "previous": .string(record.previousDigest),
        ])
    }

    /// What a payment was, for a person: its amount and currency first, then its other short
    /// fields, within about a line.
    private static func fields(_ value: JSONValue?) -> String {
        guard case .object(let members)? = value, !members.isEmpty else { return "" }
        let first = members.keys.filter { $0.lowercased().contains("amount") || $0.lowercased().contains("currency") }.sorted()
        var shown = ""
        for name in first + members.keys.filter({ !first.contains($0) }).sorted() {
            let field = " \(name)=\(text(members[name]!))"
            guard shown.count + field.count <= 100 else { return shown + " …" }
            shown += field
        }
        return shown
    }

    private static func text(_ value: JSONValue) -> String {
        value.string ?? String(decoding: value.encoded(), as: UTF8.self)
    }

    /// `90d`, `12h`, `30m`, `45s` in seconds.
    static func seconds(_ age: String) -> Int? {
        guard let unit = age.last, let count = Int(age.dropLast()), count >= 0 else { return nil }
        let scale = switch unit {
        case "d": 86_400
        case "h": 3600
        case "m": 60
        case "s": 1
        default: 0
        }
        // Past a thousand years is a typo, and past Int a crash.
        let (seconds, overflow) = count.multipliedReportingOverflow(by: scale)
        guard scale > 0, !overflow, seconds <= 1000 * 366 * 86_400 else { return nil }
        return seconds
    }
}
