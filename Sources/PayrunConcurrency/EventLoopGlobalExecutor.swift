// Swift's tasks run on NIO's event loops instead of Swift's global pool, so a server's request
// does not hop from the loop that read it to a pool thread and back. NIO offers this
// (`NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor`), but
// finds the runtime's hook with dlsym, which a `--static-swift-stdlib` build (every release
// `payrun`) does not export: there the linker finds it instead (`CConcurrencyHook`).
import CConcurrencyHook
import NIOCore
import NIOPosix

public enum EventLoopGlobalExecutor {
    /// The runtime's hook: given each job bound for the global executor, and the function that
    /// would have enqueued it there. The same type NIO's own hook has.
    private typealias Hook = @convention(thin) (UnownedJob, @convention(thin) (UnownedJob) -> Void) -> Void

    /// Makes `MultiThreadedEventLoopGroup.singleton` Swift's global executor. Call once (NIO
    /// stops the process on a second call), on the main thread, before any task runs: tasks
    /// started before go on on Swift's pool.
    /// - Returns: whether it is now (false if another hook was installed first, or on a compiler
    ///   whose runtime NIO does not vouch for the hook's type on).
    @discardableResult
    public static func install() -> Bool {
        if NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() { return true }
        // The hook's type is the runtime's, not a promise: NIO installs it only before Swift
        // 6.6, and so does this.
        #if compiler(<6.6)
        // As NIO's hook does: the loop this thread runs, if it is one of the singleton's (no
        // thread switch), else the next one.
        let hook: Hook = { job, _ in MultiThreadedEventLoopGroup.singleton.any().executor.enqueue(ExecutorJob(job)) }
        return payrun_install_enqueue_global_hook(unsafeBitCast(hook, to: UnsafeRawPointer.self))
        #else
        return false
        #endif
    }
}
