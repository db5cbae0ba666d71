// State shared between threads, behind a POSIX mutex. Swift's `Synchronization.Mutex` does the
// same job, but on Linux its contended path waits on a futex that Thread Sanitizer cannot see, so
// every lock under contention reads as a data race there; payrun's engine is tested under TSan,
// and a pthread mutex is what TSan understands.
import Glibc

/// A value only one thread touches at a time: `locked.withLock { $0.count += 1 }`.
public final class Locked<Value>: @unchecked Sendable {
    // @unchecked: `value` is read and written only inside `withLock`, under `mutex`, and goes in
    // and out only as `sending` (as with `Mutex`), so no thread keeps a non-Sendable part of it.
    // Unchecked at run time: the lock is what keeps the accesses apart, and the checks a
    // class's `var` gets otherwise were three runtime calls a lock (1.5K instructions over a
    // GET's locks).
    @exclusivity(unchecked) @usableFromInline var value: Value
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init(_ value: sending Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock; what `body` returns or throws comes out.
    /// Inlinable, so a caller in another module gets it specialized, not generic.
    @inlinable @inline(__always)
    public func withLock<Result, Failure: Error>(
        _ body: (inout sending Value) throws(Failure) -> sending Result
    ) throws(Failure) -> sending Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
