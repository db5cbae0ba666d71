// payrun.parallel(items, fn [, {concurrency = 16}]): fn(item) for every item, up to `concurrency`
// at a time, results in the items' order. Provider requests inside fn overlap; everything else
// runs one coroutine at a time on the script's thread, so no Lua code races another.
import LuaKit
import PayrunProviderKit

enum ParallelLibrary {
    static func functions(session: ProviderSession, output: any ScriptOutput) -> [LuaRegistration] { [
        LuaRegistration("parallel") { call in try parallel(call, session: session, output: output) },
        LuaRegistration("sleep") { call in try sleep(call, session: session) },
    ] }

    /// `payrun.sleep(seconds)`: waits, hearing the time limit and Ctrl-C; inside
    /// `payrun.parallel` only the calling coroutine waits, and the others run meanwhile.
    static func sleep(_ call: LuaCall, session: ProviderSession) throws -> LuaReturn {
        let seconds = try call.number(at: 1)
        guard seconds >= 0, seconds <= 3600 else { throw LuaArgumentError.invalid(at: 1, "seconds must be between 0 and 3600") }
        let duration = Duration.milliseconds(Int((seconds * 1000).rounded()))
        if let scheduler = session.scheduler, scheduler.waitsByYielding(call.stack) {
            scheduler.start(for: call.stack) { () async throws(ProviderError) in
                try? await Task.sleep(for: duration)
            }
            call.stack.push(lightUserdata: scheduler.marker)
            return try call.yield(1) { resumed in
                _ = scheduler.take(for: resumed.stack)
                return 0
            }
        }
        try BlockingWait.run(stoppable: call.stack) { try await Task.sleep(for: duration) }
        return 0
    }

    /// A coroutine running the function for one item.
    private struct Running {
        let thread: LuaStack
        let item: Int
    }

    static func parallel(_ call: LuaCall, session: ProviderSession, output: any ScriptOutput) throws -> LuaReturn {
        try call.check(.table, at: 1)
        try call.check(.function, at: 2)
        let concurrency = try call.integerField("concurrency", of: 3, in: 1...1024) ?? 16
        // A payrun.progress line counting finished items, when asked for.
        let progressLabel = try ProgressBar.label(optionAt: 3, of: call, default: "items")
        guard session.scheduler == nil else { throw LuaError(.runtime, "payrun.parallel cannot run inside payrun.parallel") }
        let stack = call.stack
        let stopper = stack.stopper
        let scheduler = ParallelScheduler(stop: BlockingIO.StopCheck { stopper.stopReason != nil })
        session.scheduler = scheduler
        defer {
            scheduler.close()
            session.scheduler = nil
        }

        let items = call.index(of: 1)
        let function = call.index(of: 2)
        let count = stack.rawLength(at: items)
        try stack.reserve(4)
        stack.pushTable(arrayCapacity: count)               // stack: ... results
        let results = stack.top
        stack.pushTable(fieldCapacity: concurrency)        // stack: ... results anchors
        let anchors = stack.top                            // keeps running threads from the collector
        var running: [LuaStack.ThreadID: Running] = [:]
        var next = 1
        var failed = false
        let progress = progressLabel.map { ProgressBar(total: Double(count), label: $0, output: output, verbose: session.verbose) }
        defer { progress?.done() }

        /// Resumes `thread` with `arguments` values already on it, and deals with how it stopped.
        func resume(_ thread: LuaStack, item: Int, arguments: Int32) throws {
            switch thread.resume(argumentCount: arguments, from: stack) {
            case .yielded(let count) where count == 1 && thread.lightUserdata(at: -1) == scheduler.marker:
                // Waiting for a response; resumed when it arrives. Only the yielded value goes:
                // what lies below is the waiting call's own.
                thread.pop()
            case .yielded(let count):
                thread.pop(count)
                finish(thread)
                throw LuaError(.runtime, "payrun.parallel: the function yielded for item \(item); only provider requests may wait inside it")
            case .returned(let count):
                if count > 0 {
                    // The first result, as `(fn(item))` gives it: a request's result, not the
                    // response that comes after it.
                    thread.top -= count - 1
                    try thread.move(1, to: stack)          // stack: ... results anchors value
                    stack.setElement(item, in: results)
                }
                thread.top = 0
                finish(thread)
                progress?.add(1)
            case .failed:
                try thread.move(1, to: stack)              // stack: ... results anchors error
                finish(thread)
                throw call.error(raising: call.argumentCount)
            }
        }

        func finish(_ thread: LuaStack) {
            scheduler.release(thread)
            session.journal?.forgetSteps(of: thread.threadID)
            if let entry = running.removeValue(forKey: thread.threadID) {
                stack.pushNil()
                stack.setElement(entry.item, in: anchors)
            }
        }

        do {
            while true {
                while !failed, running.count < concurrency, next <= count {
                    let thread = try stack.pushNewThread() // stack: ... results anchors thread
                    stack.setElement(next, in: anchors)
                    scheduler.adopt(thread)
                    // Its requests are keyed inside the step that called payrun.parallel, if any.
                    session.journal?.inheritSteps(from: stack.threadID, to: thread.threadID)
                    running[thread.threadID] = Running(thread: thread, item: next)
                    stack.pushCopy(of: function)
                    stack.pushElement(next, of: items)
                    try stack.move(2, to: thread)
                    let item = next
                    next += 1
                    try resume(thread, item: item, arguments: 1)
                }
                if running.isEmpty { break }
                guard let ready = scheduler.waitForArrivals(stoppable: stack) else {
                    throw LuaError(.runtime, "script stopped while waiting for responses")
                }
                for key in ready {
                    guard let entry = running[key] else { continue }
                    try resume(entry.thread, item: entry.item, arguments: 0)
                }
            }
        } catch {
            // Leave the others to their fate: their responses are dropped with the scheduler.
            failed = true
            for entry in running.values {
                scheduler.release(entry.thread)
                session.journal?.forgetSteps(of: entry.thread.threadID)
            }
            throw error
        }
        stack.top = results                                 // stack: ... results
        return 1
    }
}
