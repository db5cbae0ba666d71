// The one bracket around script code: every protected call, coroutine resumption and
// `payrun.parallel` step enters Lua through it, so the memory cap and the stop hook always apply.
import CLua
import CLuaShims

/// Runs `body`, which calls into Lua on `L` (a `lua_pcall`, a `lua_resume`), as script code:
/// the script's memory cap back in force (the host's own pushes are exempt only while Swift
/// runs), and `L` recorded as the thread a stop request must reach. Both are restored after, so
/// a Swift function that calls back into Lua leaves its caller as it found it.
@inline(__always)
func runningScriptCode<Result>(on L: OpaquePointer, _ body: () -> Result) -> Result {
    let host = luashim_gethost(L)!
    let allowance = host.pointee.host_allowance
    host.pointee.host_allowance = 0
    let entry = luashim_enter(host, L)
    defer {
        luashim_leave(host, entry)
        host.pointee.host_allowance = allowance
    }
    return body()
}

/// How a resumed thread stopped (see ``LuaStack/resume(argumentCount:from:)``).
public enum LuaResumption: Equatable, Sendable {
    /// It yielded; the yielded values are on its stack's top.
    case yielded(count: Int32)
    /// Its function returned; the results are on its stack's top, and the thread is finished.
    case returned(count: Int32)
    /// It raised; the error value is on its stack's top, and the thread is dead.
    case failed(LuaError.Kind)
}

extension LuaStack {
    /// Resumes the thread this is the stack of, with the `argumentCount` values on its top as
    /// the arguments (its function's on the first resume, `coroutine.yield`'s results after).
    /// The thread holds its function (``pushNewThread()`` then a push) before the first resume.
    ///
    /// - Parameter caller: the thread doing the resuming: Lua counts nested calls through it.
    /// - Returns: how it stopped; what it left is on its stack's top.
    public func resume(argumentCount: Int32, from caller: LuaStack) -> LuaResumption {
        var count: Int32 = 0
        let status = runningScriptCode(on: L) { lua_resume(L, caller.L, argumentCount, &count) }
        switch status {
        case LUA_OK: return .returned(count: count)
        case LUA_YIELD: return .yielded(count: count)
        default: return .failed(LuaError.Kind(status: status))
        }
    }

    /// Whether this thread can yield (a coroutine not inside a C call boundary).
    public var isYieldable: Bool { lua_isyieldable(L) != 0 }

    /// Whether this thread can be resumed: it yielded, or holds a function not yet started.
    /// (A thread that is running, or has resumed another, is not.)
    public var isSuspended: Bool {
        let status = lua_status(L)
        return status == LUA_YIELD || status == LUA_OK && lua_gettop(L) > 0
    }

    /// Pushes a new thread (a coroutine with nothing in it yet) and returns its stack. The
    /// thread lives as long as something in Lua holds it: keep the pushed value somewhere.
    public func pushNewThread() throws(LuaError) -> LuaStack {
        try reserve(1)
        return LuaStack(unsafeState: lua_newthread(L)!)
    }

    /// Moves the `count` values on top of this stack to the top of `other`, a thread of the
    /// same state.
    public func move(_ count: Int32, to other: LuaStack) throws(LuaError) {
        try other.reserve(Int(count))
        lua_xmove(L, other.L, count)
    }

    /// Why the host asked this state's script to stop, or nil: a long wait in Swift checks it.
    public var stopReason: LuaStopReason? {
        stopper.stopReason
    }

    /// What stops this state's script, and tells whether it was, from any thread.
    public var stopper: LuaStopper {
        LuaStopper(host: luashim_gethost(L))
    }

    /// Asks this state's script to stop, from a Swift function it called: once that returns,
    /// every instruction raises "script stopped: ...", which `pcall` cannot swallow.
    public func requestStop(_ reason: LuaStopReason) {
        stopper.requestStop(reason)
    }
}
