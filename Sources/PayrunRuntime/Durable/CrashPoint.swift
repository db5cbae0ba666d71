// The durability tests' SIGKILL at the exact moments that matter, which no outside timing can hit:
// PAYRUN_TEST_CRASH=after-intent:N kills the process once the Nth mutation of this attempt is
// journaled as sent and before it goes; after-answer:N once its answer came and before that is
// journaled. Unset (always, outside those tests), it costs one comparison per mutation.
import Glibc

enum CrashPoint {
    enum Moment: String {
        case afterIntent = "after-intent"
        case afterAnswer = "after-answer"
    }

    private static let chosen: (Moment, Int)? = {
        guard let value = getenv("PAYRUN_TEST_CRASH").map({ String(cString: $0) }) else { return nil }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let moment = Moment(rawValue: String(parts[0])), let count = Int(parts[1]) else { return nil }
        return (moment, count)
    }()

    /// Kills the process, as `kill -9` would, if this is the chosen moment.
    static func pass(_ moment: Moment, mutation: Int) {
        guard let (chosenMoment, count) = chosen, chosenMoment == moment, count == mutation else { return }
        kill(getpid(), SIGKILL)
    }
}
