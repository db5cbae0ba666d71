// What a listener says as it works: one line per event received or handled, never a body or a
// header value.
import PayrunFormats

/// Where a listener's lines go.
public struct ListenerLog: Sendable {
    private let write: @Sendable (String) -> Void

    /// - Parameter write: given each line, without its newline.
    public init(_ write: @escaping @Sendable (String) -> Void) {
        self.write = write
    }

    /// Writes `message` after the time, as `2026-12-01T10:00:00.123Z message`.
    func line(_ message: String) {
        write(Self.time(Clock.milliseconds()) + " " + message)
    }

    /// `2026-12-01T10:00:00.123Z`.
    public static func time(_ milliseconds: Int) -> String {
        let text = UTCTime.text(milliseconds / 1000)
        let fraction = String(milliseconds % 1000)
        return text.dropLast() + "." + String(repeating: "0", count: 3 - fraction.count) + fraction + "Z"
    }
}

/// Wall-clock time, in the inbox's milliseconds.
enum Clock {
    static func milliseconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return now.tv_sec * 1000 + now.tv_nsec / 1_000_000
    }
}

#if canImport(Glibc)
import Glibc
#endif
