// Wall-clock timing for the benchmarks.
#if canImport(Glibc)
import Glibc
#endif

enum Clock {
    /// Seconds on the monotonic clock.
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// The fastest of `rounds` timings of `body`, in seconds: the run least disturbed by the
    /// other work on a shared machine.
    static func best(of rounds: Int, _ body: () throws -> Void) rethrows -> Double {
        var best = Double.infinity
        for _ in 0..<rounds {
            let start = now()
            try body()
            best = min(best, now() - start)
        }
        return best
    }
}
