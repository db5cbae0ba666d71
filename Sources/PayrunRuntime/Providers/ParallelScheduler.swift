// Runs a script function over many items at once, the way OpenResty runs cosockets: each call
// is a Lua coroutine, a provider request made inside one yields it until the response arrives,
// and meanwhile the others run. One Lua thread; the waiting is done by the network.
import CLua
import CLuaShims
import Dispatch
import LuaKit
import Synchronization

/// The coroutines of one `payrun.parallel` call and the responses they wait for.
final class ParallelScheduler: Sendable {
    typealias Outcome = Result<ProviderClient.Reply, ProviderError>

    /// Threads (by address) the scheduler runs: a request on one of them yields.
    private let threads = Mutex<Set<UInt>>([])
    /// Responses that arrived, by thread, not yet handed back.
    private let arrived = Mutex<[UInt: Outcome]>([:])
    private let signal = DispatchSemaphore(value: 0)

    /// The light userdata a waiting coroutine yields, so the scheduler knows the yield is its own.
    var marker: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    func owns(_ L: OpaquePointer) -> Bool {
        threads.withLock { $0.contains(Self.key(L)) }
    }

    func adopt(_ L: OpaquePointer) {
        _ = threads.withLock { $0.insert(Self.key(L)) }
    }

    func release(_ L: OpaquePointer) {
        _ = threads.withLock { $0.remove(Self.key(L)) }
    }

    /// Starts `work` for the coroutine `L`, which then yields until ``take(for:)``.
    func start(for L: OpaquePointer, _ work: @escaping @Sendable () async throws(ProviderError) -> ProviderClient.Reply) {
        let key = Self.key(L)
        Task {
            let outcome: Outcome
            do throws(ProviderError) { outcome = .success(try await work()) } catch { outcome = .failure(error) }
            self.arrived.withLock { $0[key] = outcome }
            self.signal.signal()
        }
    }

    /// The response for the coroutine `L`, once it arrived.
    func take(for L: OpaquePointer) -> Outcome? {
        arrived.withLock { $0.removeValue(forKey: Self.key(L)) }
    }

    /// The threads whose responses arrived, waiting for at least one; nil if the script was
    /// stopped meanwhile.
    func waitForArrivals(host: UnsafeMutablePointer<luashim_host>) -> Set<UInt>? {
        while true {
            let ready = arrived.withLock { Set($0.keys) }
            if !ready.isEmpty { return ready }
            if luashim_stopreason(host) != 0 { return nil }
            _ = signal.wait(timeout: .now() + .milliseconds(50))
        }
    }

    static func key(_ L: OpaquePointer) -> UInt {
        UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(L)))
    }
}
