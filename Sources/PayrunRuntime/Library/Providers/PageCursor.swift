// `for item in p:paginate(path [, query [, {page_size=N}]]) do ... end`: every item of a list,
// fetched a page at a time, the next page while the loop works on this one. The loop's iterator
// is a small Lua function over one page at a time, so Swift is entered once a page, not once an
// item; and each item is built only when the loop first reads it (PageRecords.swift). Those two
// are most of what makes a long list fast.
import LuaKit
import PayrunFormats
import PayrunProviderKit

/// The pages of one `p:paginate` loop.
final class PageCursor: LuaObject {
    static let luaTypeName = "payrun.pages"

    let pages: PageSource
    let handle: ProviderHandle
    /// With `{progress = true}`: the items fetched so far, on a progress line.
    let progress: ProgressBar?
    /// How much of each page the loop reads.
    let reads = RecordReads()

    /// Call on the script's thread, which fetches the pages (see ``PageSource``).
    init(_ paginator: ProviderPaginator, handle: ProviderHandle, stop: BlockingIO.StopCheck, progress: ProgressBar? = nil) {
        pages = PageSource(paginator, stop: stop, fetchingHere: handle.client.provider.signsWithoutWaiting)
        self.handle = handle
        self.progress = progress
    }

    static var luaMethods: [LuaRegistration] { [
        LuaRegistration("next") { call in
            let cursor = try call.object(at: 1, as: PageCursor.self)
            let pages = cursor.pages
            defer { cursor.handle.writeNotes() }
            let page: JSONTape.Node?
            do {
                page = try pages.next()
            } catch let error as ProviderError {
                throw ProviderValues.raise(error, call)
            }
            guard let page else {
                cursor.progress?.done()
                call.stack.pushNil()
                return 1
            }
            cursor.progress?.add(Double(page.count))
            try JSONLibrary.pushPage(page, budget: cursor.handle.session.unreadBudget, reads: cursor.reads, on: call.stack)
            return 1
        },
    ] }

    /// `p:paginate(path [, query [, options]])`: the iterator of a generic `for`.
    static func paginate(_ call: LuaCall) throws -> LuaReturn {
        let handle = try call.object(at: 1, as: ProviderHandle.self)
        let path = try call.string(at: 2)
        if let problem = handle.pathProblem(path) { throw LuaArgumentError.invalid(at: 2, problem) }
        let query = try ProviderArguments.query(call, at: 3)
        try call.checkFieldNames(of: 4, among: ["page_size", "progress"])
        let pageSize = try call.integerField("page_size", of: 4, in: 1...10_000)
        let label = try ProgressBar.label(optionAt: 4, of: call, default: path)
        let progress = label.map { ProgressBar(total: nil, label: $0, output: handle.output, verbose: handle.session.verbose) }
        let paginator = ProviderPaginator(client: handle.client, path: path, query: query, pageSize: pageSize)
        if let problem = paginator.startProblem { throw LuaArgumentError.invalid(at: 3, problem) }
        let cursor = PageCursor(
            paginator, handle: handle,
            stop: handle.session.stopCheck(for: call.stack), progress: progress)
        let stack = call.stack
        guard stack.pushRegistryValue(iteratorKey) == .function else { throw LuaError(.runtime, "payrun.paginate is not installed") }
        stack.push(object: cursor)
        _ = try stack.protectedCall(argumentCount: 1, resultCount: 1)
        return 1
    }

    static let iteratorKey = "payrun.paginate"

    /// Given a cursor, the function a generic `for` calls for each item. Not the cursor as the
    /// loop's closing value too, though that would let go of a loop's pages ahead at its `break`:
    /// a stop (the time limit, Ctrl-C) inside such a loop then lost the script's line from its
    /// traceback, raised again in the closing.
    static let iteratorSource = """
        local cursor = ...
        local page, i, n = nil, 0, 0
        return function()
          if i >= n then
            page = cursor:next()
            if page == nil then return nil end
            i, n = 0, #page
            if n == 0 then return nil end
          end
          i = i + 1
          return page[i]
        end
        """

    /// Compiles the iterator's maker into the registry.
    static func installIterator(on stack: LuaStack) throws(LuaError) {
        try stack.load(iteratorSource, chunkName: HostChunk.loadName(HostChunk.paginate))
        stack.setRegistryValue(iteratorKey)
    }
}

/// A paginator's pages, fetched on the script's thread: the fetches are tasks on an executor that
/// thread drains while it waits for a page, their plain-HTTP sockets waited for on its reactor
/// (as `payrun.parallel`'s requests are). A page's answer is read and parsed there, and the
/// requests for the pages after it are on their way before the loop goes on, so the provider
/// works on them while the script works on this one. On AsyncHTTPClient's event loops and
/// Swift's pool, each page cost a new connection's setup and some ten thread wake-ups.
///
/// The work of those fetches runs only while the script waits for a page, so they go to Swift's
/// pool instead when that could hold something up: for a provider whose signing may wait on a
/// token shared with the script's other requests (which would wait for the loop to come back
/// for the page), and once the loop spends long on a page (the pages ahead, unread meanwhile,
/// would run into their timeouts).
final class PageSource: @unchecked Sendable {
    /// Until the list ends, fails or a wait is stopped: the pages, and the executor their fetches
    /// run on (with its reactor's two descriptors). Touched only on the script's thread, in
    /// ``next()`` (its jobs run there), and after ``finish()`` by nothing but a stopped fetch.
    private var iterator: ProviderPaginator.PageIterator?
    private var executor: WaitingThreadExecutor?
    /// Why the list ended early: thrown again at each later call, as the paginator would.
    private var failure: (any Error)?
    private let stop: BlockingIO.StopCheck
    /// When the last page went to the loop, while its fetches ahead are this thread's work.
    private var handedOut: ContinuousClock.Instant?

    /// Longer than this on a page, and the loop's fetches go to Swift's pool: well inside the
    /// time a request may take, and far beyond a loop's that is not waiting for something else.
    static let longOnAPage: Duration = .seconds(1)

    /// Call on the script's thread.
    /// - Parameter fetchingHere: whether the fetches may run on this thread (see above).
    init(_ paginator: ProviderPaginator, stop: BlockingIO.StopCheck, fetchingHere: Bool) {
        // Without fetches of its own to run, the thread only waits for the pool's: no reactor.
        let executor = fetchingHere ? WaitingThreadExecutor(reactingHearing: stop) : WaitingThreadExecutor(stop: stop)
        self.executor = executor
        iterator = paginator.makePageIterator(on: fetchingHere ? executor : nil)
        self.stop = stop
    }

    // A loop that stopped early (a `break`, an error) leaves its cursor to the collector: the
    // pages it had asked for ahead are not waited for.
    deinit {
        finish()
    }

    /// The next page's items, or nil after the last.
    /// - Throws: the provider's error, or `BlockingWait.Stopped` when the script is stopped.
    func next() throws -> JSONTape.Node? {
        guard let executor else {
            if let failure { throw failure }
            return nil
        }
        if stop.isStopped() { throw end(failing: BlockingWait.Stopped()) }
        if let handedOut, ContinuousClock.now - handedOut > Self.longOnAPage {
            iterator?.fetchOnTheGlobalExecutor()
            self.handedOut = nil
        }
        let page: JSONTape.Node?
        do {
            page = try BlockingWait.value(of: executor.runUntilDone { [self] in try await self.fetchNext() }, hearing: stop)
        } catch {
            throw end(failing: error)
        }
        // The last page: nothing is fetched for this loop any more, even if it stops here (as one
        // over an empty page does) and its cursor is kept.
        if iterator?.isAtEnd ?? true {
            finish()
        } else if iterator?.fetchesOnItsExecutor == true {
            handedOut = .now
        }
        return page
    }

    /// Finishes the source with `error`, to be thrown again at each later call; returns it.
    private func end(failing error: any Error) -> any Error {
        finish()
        failure = error
        return error
    }

    /// Lets go of the pages asked for ahead, which finish on Swift's pool, and of the executor:
    /// a script that pages a list for each of a thousand users holds no reactor for those it is
    /// done with until the collector comes by (each holds a pipe).
    private func finish() {
        iterator?.cancel()
        iterator = nil
        executor?.abandon()
        executor = nil
    }

    private func fetchNext() async throws -> JSONTape.Node? {
        guard var current = iterator else { return nil }
        let page = try await current.next()
        // Not after a stop finished the source meanwhile.
        if iterator != nil { iterator = current }
        return page
    }
}
