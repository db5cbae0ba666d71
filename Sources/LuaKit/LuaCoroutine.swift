// A Lua thread that Swift resumes: how a host scheduler drives scripts that yield.
import CLua
import CLuaShims

/// A coroutine running a Lua function, resumed from Swift.
public final class LuaCoroutine {
    public enum Status: Sendable, Equatable {
        /// Not started, or yielded: it can be resumed.
        case suspended
        /// Finished, or failed.
        case dead
    }

    /// What a resumption ended with.
    public enum Outcome: Equatable {
        /// The coroutine yielded these values and can be resumed again.
        case yielded([LuaValue])
        /// The function returned these values; the coroutine is dead.
        case returned([LuaValue])
    }

    public let owner: LuaState
    /// The thread's stack.
    public let stack: LuaStack
    /// Keeps the thread alive.
    private let thread: LuaReference
    public private(set) var status: Status = .suspended

    /// A coroutine that will run `function` when first resumed.
    public init(_ function: LuaReference) throws(LuaError) {
        owner = function.owner
        stack = try owner.stack.pushNewThread()  // main: ... thread
        thread = LuaReference(owner: owner, popping: owner.handle)
        try function.push(onto: stack.L)
    }

    /// Resumes the coroutine with `arguments` (its function's arguments on the first resume, the
    /// results of `coroutine.yield` after).
    /// - Throws: ``LuaError`` with a traceback of the coroutine's stack if it raised; the
    ///   coroutine is dead after. Resuming a dead coroutine throws too.
    ///
    /// - Parameter caller: the stack of the thread doing the resuming, when Swift resumes from
    ///   inside a Swift function running on a coroutine (Lua counts nested C calls through it).
    public func resume(_ arguments: [LuaValue] = [], from caller: LuaStack? = nil) throws(LuaError) -> Outcome {
        guard status == .suspended else { throw LuaError(.runtime, "cannot resume dead coroutine") }
        // A coroutine that is running, or has resumed another, is not suspended: Lua would refuse.
        guard stack.isSuspended, stack != caller else { throw LuaError(.runtime, "cannot resume non-suspended coroutine") }
        try stack.reserve(arguments.count + 1)
        try stack.push(arguments)
        switch stack.resume(argumentCount: Int32(arguments.count), from: caller ?? owner.stack) {
        case .returned(let count):
            self.status = .dead
            return .returned(try takeValues(count))
        case .yielded(let count):
            return .yielded(try takeValues(count))
        case .failed(let kind):
            self.status = .dead
            var error = stack.takeError(kind: kind, at: -1)
            error.traceback = LuaError.tidied(stack.traceback())
            stack.pop()  // the error value, on the dead thread
            throw error
        }
    }

    private func takeValues(_ count: Int32) throws(LuaError) -> [LuaValue] {
        defer { stack.pop(count) }
        var values: [LuaValue] = []
        for index in 0..<count { values.append(try stack.value(at: stack.top - count + 1 + index)) }
        return values
    }
}
