// `for item in p:paginate(path [, query [, {page_size=N}]]) do ... end`: every item of a list,
// fetched a page at a time, the next page while the loop works on this one. The loop's iterator
// is a small Lua function over one page at a time, so Swift is entered once a page, not once an
// item; and each item is built only when the loop first reads it (PageRecords.swift). Those two
// are most of what makes a long list fast.
import LuaKit
import PayrunFormats

/// The pages of one `p:paginate` loop.
final class PageCursor: LuaObject {
    static let luaTypeName = "payrun.pages"

    let pages: PageSource
    let handle: ProviderHandle
    /// With `{progress = true}`: the items fetched so far, on a progress line.
    let progress: ProgressBar?
    /// How much of each page the loop reads.
    let reads = RecordReads()

    init(_ paginator: ProviderPaginator, handle: ProviderHandle, progress: ProgressBar? = nil) {
        pages = PageSource(paginator)
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
                page = try BlockingWait.runHere(stoppable: call.stack, session: cursor.handle.session) { try await pages.next() }
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
        let cursor = PageCursor(
            ProviderPaginator(client: handle.client, path: path, query: query, pageSize: pageSize), handle: handle, progress: progress)
        let stack = call.stack
        guard stack.pushRegistryValue(iteratorKey) == .function else { throw LuaError(.runtime, "payrun.paginate is not installed") }
        stack.push(object: cursor)
        _ = try stack.protectedCall(argumentCount: 1, resultCount: 1)
        return 1
    }

    static let iteratorKey = "payrun.paginate"

    /// Given a cursor, the function a generic `for` calls for each item.
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

/// A paginator's pages, one call at a time.
actor PageSource {
    private var iterator: ProviderPaginator.PageIterator

    init(_ paginator: ProviderPaginator) {
        iterator = paginator.makePageIterator()
    }

    // A loop that stopped early (a `break`, an error) leaves its cursor to the collector: the
    // pages it had asked for ahead are not waited for.
    deinit {
        iterator.cancel()
    }

    func next() async throws -> JSONTape.Node? {
        // One call at a time: the Lua thread waits for each.
        var current = iterator
        let page = try await current.next()
        iterator = current
        return page
    }
}
