// `--timeout`: a script's (a handler's, an entry's) time limit, as seconds or with a unit, the
// way the listener's other waits are written (`--grace 30s`).
import ArgumentParser
import PayrunListener

/// A time limit given on the command line: `30`, `2.5`, `30s`, `5m`, `1h`.
struct TimeLimit: ExpressibleByArgument, Sendable {
    let seconds: Double

    init?(argument: String) {
        guard let duration = RetrySchedule.duration(argument) else { return nil }
        let (whole, attoseconds) = duration.components
        seconds = Double(whole) + Double(attoseconds) / 1e18
    }

    /// As a default shows in `--help`.
    var defaultValueDescription: String { seconds.rounded() == seconds ? "\(Int(seconds))s" : "\(seconds)s" }
}
