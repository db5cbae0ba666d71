// When a handler that failed is tried again: a list of waits, each with jitter, then dead.
import PayrunFormats

/// The waits between a handler's attempts; past the last, the event is dead.
public struct RetrySchedule: Sendable, Equatable {
    /// The wait after the first failure, the second, and so on.
    public var waits: [Duration]
    /// How far each wait may move either way, as a fraction of it (0.1: ±10 %), so that events
    /// that failed together are not all tried again in the same instant.
    public var jitter: Double

    /// 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h: a day and a bit before an event is dead.
    public static let standard = RetrySchedule(
        waits: [.seconds(5), .seconds(30), .seconds(120), .seconds(600), .seconds(1800), .seconds(3600), .seconds(7200),
                .seconds(14400), .seconds(28800)],
        jitter: 0.1)

    public init(waits: [Duration], jitter: Double = 0.1) {
        self.waits = waits
        self.jitter = jitter
    }

    /// The wait before the attempt after `attempt` (1 for the first), or nil when the event is dead.
    public func wait(after attempt: Int) -> Duration? {
        guard attempt >= 1, attempt <= waits.count else { return nil }
        let base = waits[attempt - 1]
        guard jitter > 0 else { return base }
        return base * Double.random(in: (1 - jitter)...(1 + jitter))
    }

    /// The attempts an event gets in all: the first, then one after each wait.
    public var attempts: Int { waits.count + 1 }

    /// Reads `5s,30s,2m,1h` (units ms, s, m, h).
    /// - Throws: a message naming the part that is not a duration.
    public static func parse(_ text: String) throws(ScheduleError) -> RetrySchedule {
        var waits: [Duration] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let part = part.trimming(" ")
            guard let wait = duration(part) else { throw ScheduleError(part: part) }
            waits.append(wait)
        }
        return RetrySchedule(waits: waits)
    }

    /// `250ms`, `5s`, `2m`, `1h`, or `30` (seconds); nil for anything else.
    public static func duration(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        // A bare number is seconds, as `--timeout 30` is.
        let (number, seconds) = units.first { text.hasSuffix($0.0) }.map { (text.dropLast($0.0.count), $0.1) } ?? (Substring(text), 1)
        // Up to a year: a longer wait is a mistake, and would not fit in a Duration's milliseconds.
        guard let value = Double(number), value >= 0, value * seconds <= 366 * 86_400 else { return nil }
        return .milliseconds(Int64((value * seconds * 1000).rounded()))
    }

    public struct ScheduleError: Error, CustomStringConvertible {
        public let part: String
        public var description: String {
            "'\(part)' is not a wait: write the waits as 5s,30s,2m,1h (units ms, s, m, h; a bare number is seconds), separated by commas"
        }
    }
}
