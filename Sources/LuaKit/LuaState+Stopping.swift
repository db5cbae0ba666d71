// Stopping a running script: a time limit, and Ctrl-C or SIGTERM.
import CLua
import CLuaShims

/// Why a script was stopped from outside.
public enum LuaStopReason: Sendable, Equatable {
    /// Its time limit passed.
    case timeLimit
    /// The user pressed Ctrl-C, or the process got SIGTERM.
    case interrupted
    /// The host cancelled the run (the Swift task awaiting it was cancelled).
    case cancelled
    /// The host halted it for a reason of its own, which it reports itself (a payment whose
    /// outcome is in doubt, a journal that cannot be written).
    case halted

    /// The reason a `luashim_stopreason` code stands for; nil for none.
    init?(code: Int32) {
        switch code {
        case Int32(LUASHIM_STOP_TIMEOUT): self = .timeLimit
        case Int32(LUASHIM_STOP_INTERRUPT): self = .interrupted
        case Int32(LUASHIM_STOP_CANCEL): self = .cancelled
        case Int32(LUASHIM_STOP_HALT): self = .halted
        default: return nil
        }
    }
}

extension LuaState {
    /// Why the host asked the running script to stop, or nil if it did not. Once asked, Lua code
    /// in this state raises "script stopped: ..." at every instruction (so `pcall` cannot swallow
    /// it) until ``clearStop()``.
    public var stopReason: LuaStopReason? {
        LuaStopReason(code: luashim_stopreason(host))
    }

    /// Stops any script that runs longer than `seconds` from now. Costs nothing until then.
    public func startTimeLimit(seconds: Double) throws(LuaError) {
        guard seconds > 0, seconds.isFinite, luashim_startwatchdog(host, seconds) == 0 else {
            throw LuaError(.runtime, "cannot arm a time limit of \(seconds) seconds")
        }
    }

    /// Disarms the time limit.
    public func cancelTimeLimit() {
        luashim_stopwatchdog(host)
    }

    /// Makes SIGINT (Ctrl-C) and SIGTERM stop this state's script instead of the process; a
    /// second signal still ends the process at once. `false` restores the default handling.
    /// Only one state in a process can take the signals.
    public func takeTerminationSignals(_ take: Bool = true) {
        luashim_stopsignals(take ? host : nil)
    }

    /// Asks the running script to stop, as a signal would.
    public func requestStop(_ reason: LuaStopReason) {
        stopper.requestStop(reason)
    }

    /// Forgets a stop request, so the state can run code again (a REPL after Ctrl-C).
    public func clearStop() {
        luashim_clearstop(host)
    }
}

/// Stops a state's running script from another thread (a host's Stop button, a REPL's
/// interrupt). Use it only while the state it came from is alive. Two are equal when they stop
/// the same state (of those alive: a new state may take a closed one's place).
public struct LuaStopper: @unchecked Sendable, Equatable {
    /// The state's host record; the stop request is an atomic store and a signal, safe from any thread.
    private let host: UnsafeMutablePointer<luashim_host>

    init(host: UnsafeMutablePointer<luashim_host>) {
        self.host = host
    }

    /// Asks the running script to stop, as ``LuaState/requestStop(_:)`` does.
    public func requestStop(_ reason: LuaStopReason) {
        let code = switch reason {
        case .timeLimit: LUASHIM_STOP_TIMEOUT
        case .interrupted: LUASHIM_STOP_INTERRUPT
        case .cancelled: LUASHIM_STOP_CANCEL
        case .halted: LUASHIM_STOP_HALT
        }
        luashim_requeststop(host, Int32(code))
    }

    /// Why the script was asked to stop, or nil: read from any thread.
    public var stopReason: LuaStopReason? {
        LuaStopReason(code: luashim_stopreason(host))
    }
}

extension LuaState {
    /// What stops this state's script from another thread.
    public var stopper: LuaStopper { LuaStopper(host: host) }
}
