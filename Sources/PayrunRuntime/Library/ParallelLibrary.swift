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

    /// A worker coroutine, and the item it runs the function for.
    private struct Running {
        let thread: LuaStack
        let item: Int
    }

    /// Where the worker's body is kept in each state's registry.
    static let workerKey = "payrun.parallel.worker"

    /// What a worker yields with each result: an address only this library has, so no script can
    /// yield it.
    private nonisolated(unsafe) static let doneMarker = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)

    /// A worker's body: `fn` for one item after another, each first result handed back by a
    /// yield, the next item taken from the resume. A coroutine for each item cost more than the
    /// item's request (making it, and collecting it).
    static let workerSource = """
        local yield = coroutine.yield
        return function(fn, done, item)
          while true do
            item = yield(done, (fn(item)))
          end
        end
        """

    /// Compiles the worker's body into the registry, with the `coroutine.yield` of the state as
    /// it was made (a script that replaces it later does not change its workers).
    static func installWorker(on stack: LuaStack) throws(LuaError) {
        try stack.load(workerSource, chunkName: HostChunk.loadName(HostChunk.parallel))
        _ = try stack.protectedCall(argumentCount: 0, resultCount: 1)
        stack.setRegistryValue(workerKey)
    }

    /// The items are a list, 1 to n: keyed by name, or with holes, some would be left out
    /// without a word (a payout of none, or of all but the ones after a hole).
    private static func refuseWhatIsNotAList(_ items: Int32, on stack: LuaStack) throws(LuaArgumentError) {
        let length = stack.rawLength(at: items)
        var entries = 0
        var stray: String?
        stack.forEachEntry(of: items) { key, _ in
            entries += 1
            guard stray == nil else { return }
            // A key is read without converting it: lua_next needs it as it is.
            if stack.isInteger(at: key), let index = stack.integer(at: key) {
                if index < 1 || index > length { stray = "[\(index)]" }
            } else if stack.type(at: key) == .string {
                stray = "'\(stack.string(at: key) ?? "")'"
            } else {
                stray = "[a \(stack.type(at: key).description)]"
            }
        }
        guard let stray, entries != length else { return }
        throw LuaArgumentError.invalid(at: 1, "the items must be a list, 1 to n: key \(stray) is not one (payrun.parallel would leave it out)")
    }

    static func parallel(_ call: LuaCall, session: ProviderSession, output: any ScriptOutput) throws -> LuaReturn {
        try call.check(.table, at: 1)
        try call.check(.function, at: 2)
        try call.checkFieldNames(of: 3, among: ["concurrency", "progress"])
        let concurrency = try call.integerField("concurrency", of: 3, in: 1...1024) ?? 16
        // A payrun.progress line counting finished items, when asked for.
        let progressLabel = try ProgressBar.label(optionAt: 3, of: call, default: "items")
        guard session.scheduler == nil else { throw LuaError(.runtime, "payrun.parallel cannot run inside payrun.parallel") }
        let stack = call.stack
        try refuseWhatIsNotAList(call.index(of: 1), on: stack)
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
        try stack.reserve(8)
        stack.pushTable(arrayCapacity: count)               // stack: ... results
        let results = stack.top
        stack.pushTable(arrayCapacity: concurrency)         // stack: ... results anchors
        let anchors = stack.top                            // keeps the workers from the collector
        guard stack.pushRegistryValue(workerKey) == .function else { throw LuaError(.runtime, "payrun.parallel is not installed") }
        let worker = stack.top                             // stack: ... results anchors worker
        let done = doneMarker
        var running: [LuaStack.ThreadID: Running] = [:]
        /// Workers between items.
        var waiting: [LuaStack] = []
        var workers = 0
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
            case .yielded(let count) where count == 2 && thread.lightUserdata(at: -2) == done:
                // The function returned for `item`: its first result on top (nil for none), as
                // `(fn(item))` gives it.
                try thread.move(1, to: stack)              // stack: ... results anchors worker value
                stack.setElement(item, in: results)
                thread.pop()
                finish(thread)
                waiting.append(thread)
                progress?.add(1)
            case .yielded(let count):
                thread.pop(count)
                finish(thread)
                throw LuaError(.runtime, "payrun.parallel: the function yielded for item \(item); only provider requests may wait inside it")
            case .returned:
                finish(thread)
                throw LuaError(.runtime, "payrun.parallel: a worker ended")
            case .failed:
                try thread.move(1, to: stack)              // stack: ... results anchors worker error
                finish(thread)
                throw call.error(raising: call.argumentCount)
            }
        }

        /// The item `thread` ran is over: what it was given for it goes.
        func finish(_ thread: LuaStack) {
            session.journal?.forgetSteps(of: thread.threadID)
            running.removeValue(forKey: thread.threadID)
        }

        do {
            while true {
                while !failed, running.count < concurrency, next <= count {
                    let thread: LuaStack
                    let arguments: Int32
                    if let idle = waiting.popLast() {
                        thread = idle
                        stack.pushElement(next, of: items)
                        try stack.move(1, to: thread)
                        arguments = 1
                    } else {
                        thread = try stack.pushNewThread() // stack: ... results anchors worker thread
                        workers += 1
                        stack.setElement(workers, in: anchors)
                        scheduler.adopt(thread)
                        stack.pushCopy(of: worker)
                        stack.pushCopy(of: function)
                        stack.push(lightUserdata: done)
                        stack.pushElement(next, of: items)
                        try stack.move(4, to: thread)
                        arguments = 3
                    }
                    // Its requests are keyed inside the step that called payrun.parallel, if any.
                    session.journal?.inheritSteps(from: stack.threadID, to: thread.threadID)
                    running[thread.threadID] = Running(thread: thread, item: next)
                    let item = next
                    next += 1
                    try resume(thread, item: item, arguments: arguments)
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
