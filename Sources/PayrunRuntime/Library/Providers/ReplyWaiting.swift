// Waiting for a provider's reply (or another service's response) from a Lua function: inside
// `payrun.parallel` the calling coroutine yields and the others run meanwhile; anywhere else the
// script's thread waits, still hearing its time limit and Ctrl-C.
import LuaKit

enum ReplyWaiting {
    typealias Outcome<Value> = Result<Value, ProviderError>

    /// Runs `work` and finishes the call with `finish` once its outcome is known.
    /// - Returns: what `finish` returns, or a yield that returns it when resumed.
    static func wait<Value: Sendable>(
        _ call: LuaCall, session: ProviderSession,
        for work: @escaping @Sendable () async throws(ProviderError) -> Value,
        then finish: @escaping (Outcome<Value>, LuaCall) throws -> LuaReturn
    ) throws -> LuaReturn {
        if session.waitsByYielding(call.stack), let scheduler = session.scheduler {
            scheduler.start(for: call.stack, work)
            call.stack.push(lightUserdata: scheduler.marker)
            return try call.yield(1) { resumed in
                guard let outcome = scheduler.take(for: resumed.stack) else {
                    throw LuaError(.runtime, "payrun.parallel resumed a request before its response")
                }
                // The scheduler keeps any value; this coroutine's work made a Value.
                return try finish(outcome.map { $0 as! Value }, resumed)
            }
        }
        let outcome: Outcome<Value>
        do {
            outcome = .success(try BlockingWait.runHere(stoppable: call.stack, session: session, work))
        } catch let error as ProviderError {
            outcome = .failure(error)
        }
        return try finish(outcome, call)
    }
}
