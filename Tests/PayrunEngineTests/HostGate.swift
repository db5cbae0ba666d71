// A gate a test's script waits at through a host function, without holding a thread.
//
// Host functions run on Swift's cooperative pool, which has one thread a core: two on this
// machine. A host call blocked on a semaphore holds one of them, and two such calls at once (two
// tests' scripts) stalled every other test in the process until their semaphores timed out.

/// Opens once; a script's `gate.wait()` returns true once it is open, false after its limit.
actor HostGate {
    private var isOpen = false
    private var waiting: [Int: CheckedContinuation<Bool, Never>] = [:]
    private var nextWaiter = 0

    /// Waits until the gate opens (true) or `limit` has passed (false), so a failed test ends.
    func wait(upTo limit: Duration = .seconds(60)) async -> Bool {
        if isOpen { return true }
        let waiter = nextWaiter
        nextWaiter += 1
        Task {
            try? await Task.sleep(for: limit)
            await self.expire(waiter)
        }
        return await withCheckedContinuation { waiting[waiter] = $0 }
    }

    /// Lets every waiting script on, and every later one straight through.
    func open() {
        isOpen = true
        for continuation in waiting.values { continuation.resume(returning: true) }
        waiting = [:]
    }

    private func expire(_ waiter: Int) {
        waiting.removeValue(forKey: waiter)?.resume(returning: false)
    }
}
