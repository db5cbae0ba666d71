// Blocking work (waiting for a child process, running initdb or createdb) on a thread of its own.
// Swift Testing runs every test on the cooperative pool, one thread a core: two on the CI machine.
// A test that blocks one of them for a second holds up every other test's awaits, and a test
// whose deadline runs meanwhile (a store's 10 s connect limit) fails though nothing is wrong.
import Foundation

/// `body`'s result, computed on a new thread while the caller's task is suspended.
public func offThePool<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
