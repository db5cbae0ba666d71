// How `payrun inbox` shows events: a table, one event in full, and JSON for each.
import Payrun
import PayrunListener

enum InboxText {
    static func time(_ milliseconds: Int?) -> String {
        milliseconds.map(ListenerLog.time) ?? "-"
    }

    static func table(_ events: [InboxEvent]) -> String {
        var rows = [["ID", "RECEIVED", "PROVIDER", "TYPE", "STATE", "ATTEMPTS", "LAST ERROR"]]
        let now = nowMilliseconds
        for event in events {
            // One line: the first 60 characters, and `…` when there is more (`payrun inbox show` has it all).
            let error = event.state == .handled ? "" : event.lastError.map { $0.count > 60 ? $0.prefix(59) + "…" : $0 } ?? ""
            rows.append([
                // Up to 32 characters: a sender's 64-character type would widen every row.
                String(event.id), time(event.received.receivedAt), event.received.provider,
                event.received.type.count > 32 ? event.received.type.prefix(31) + "…" : event.received.type,
                state(of: event, now: now), String(event.attempts), error,
            ])
        }
        return RunsText.table(rows)
    }

    /// Now, to the millisecond: an event taken back this second is due now, not put off.
    private static var nowMilliseconds: Int { Int(UTCTime.nowPrecise() * 1000) }

    /// The STATE column. An attempt the listener's stop cut short failed nothing: its event is
    /// due again at once, where it stood in line (its due time may be when it was received), and
    /// the attempt is not counted; one put off while another listener ran its key waits for that.
    static func state(of event: InboxEvent, now: Int) -> String {
        guard event.state == .retrying else { return event.state.rawValue }
        guard event.lastOutcome == .interrupted else { return "retrying at " + time(event.nextAttemptAt) }
        if let due = event.nextAttemptAt, due > now { return "put off until " + time(due) }
        return "interrupted, due now"
    }

    static func text(_ event: InboxEvent, attempts: [EventAttempt]) -> String {
        let state = state(of: event, now: nowMilliseconds)
        var text = "event \(event.id): \(event.received.provider) \(event.received.type), \(state)\n"
        text += "  id \(event.received.key), received \(time(event.received.receivedAt))"
        // Said in the state already when it was retrying; an interrupted event is due now.
        if event.state == .received { text += ", due \(time(event.nextAttemptAt))" }
        text += "\n  run key \(event.runKey)\n"
        if let error = event.lastError { text += "  last error: \(error)\n" }
        text += "headers:\n"
        for header in event.received.headers { text += "  \(header.name): \(header.value)\n" }
        text += "body (\(event.received.body.count) bytes):\n"
        if let body = try? JSONValue.parse(event.received.body) {
            var writer = JSONWriter(indent: 2)
            writer.value(body)
            text += String(decoding: writer.bytes, as: UTF8.self) + "\n"
        } else {
            text += String(decoding: event.received.body, as: UTF8.self) + "\n"
        }
        text += "attempts:" + (attempts.isEmpty ? " none yet\n" : "\n")
        for attempt in attempts {
            // Cut short (a stop, a lost claim, another listener's run): not counted, so the
            // next attempt has its number too, and says so.
            let counted = attempt.outcome != .interrupted
            text += "  \(attempt.number).\(counted ? "" : " (not counted)") \(time(attempt.startedAt)) \(attempt.outcome?.rawValue ?? "running")"
            if let ended = attempt.endedAt { text += " after \(ended - attempt.startedAt) ms" }
            if let run = attempt.runID { text += ", run \(run)" }
            if let error = attempt.error { text += ": \(error)" }
            text += "\n"
        }
        return text
    }

    static func json(_ event: InboxEvent, body: Bool) -> JSONValue {
        var fields: [String: JSONValue] = [
            "id": .integer(event.id), "provider": .string(event.received.provider), "type": .string(event.received.type),
            "event_id": .string(event.received.key), "received_at": .string(time(event.received.receivedAt)),
            "state": .string(event.state.rawValue), "attempts": .integer(event.attempts),
            "next_attempt_at": event.nextAttemptAt.map { .string(time($0)) } ?? .null,
            "last_error": event.lastError.map(JSONValue.string) ?? .null, "run_key": .string(event.runKey),
        ]
        if body {
            fields["headers"] = .array(event.received.headers.map { .object(["name": .string($0.name), "value": .string($0.value)]) })
            fields["body"] = (try? JSONValue.parse(event.received.body)) ?? .string(String(decoding: event.received.body, as: UTF8.self))
        }
        return .object(fields)
    }

    static func json(_ attempt: EventAttempt) -> JSONValue {
        .object([
            "number": .integer(attempt.number), "started_at": .string(time(attempt.startedAt)),
            "ended_at": attempt.endedAt.map { .string(time($0)) } ?? .null,
            "outcome": attempt.outcome.map { .string($0.rawValue) } ?? .null, "error": attempt.error.map(JSONValue.string) ?? .null,
            "run": attempt.runID.map(JSONValue.string) ?? .null,
        ])
    }

    /// `2026-12-01`, `2026-12-01T10:00:00Z`, or an age (`2h`, `30m`, `7d`) before now, in milliseconds.
    static func since(_ text: String, now: Int) -> Int? {
        if let age = RunsText.seconds(text) { return now - age * 1000 }
        if let seconds = UTCTime.seconds(from: text) { return seconds * 1000 }
        if text.count == 10, let seconds = UTCTime.seconds(from: text + "T00:00:00Z") { return seconds * 1000 }
        return nil
    }
}
