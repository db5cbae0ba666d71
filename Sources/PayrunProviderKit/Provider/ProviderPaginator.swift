// Every item of a provider's list, page after page in the provider's own scheme, fetching the
// next page while the caller works on the current one, and where the page after it is known
// before the next one's answer is read (offsets or numbers up to a known total), that one too.
// At most three pages are ever held, so memory stays flat however long the list.
import PayrunFormats

/// The items of a list, as an async sequence.
public struct ProviderPaginator: AsyncSequence, Sendable {
    public typealias Element = JSONValue

    let client: ProviderClient
    let path: String
    let query: [(String, String)]
    let pageSize: Int?

    /// - Parameter pageSize: items per page; when nil, the query's own page-size parameter, else
    ///   the provider's default.
    public init(client: ProviderClient, path: String, query: [(String, String)] = [], pageSize: Int? = nil) {
        self.client = client
        self.path = path
        self.query = query
        self.pageSize = pageSize
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(paginator: self)
    }

    /// Where a page starts: an offset, or the cursor the previous page gave.
    enum Position: Sendable, Equatable {
        case offset(Int)
        case cursor(String?)
    }

    /// One page: its items (an array in a parsed answer) and where the next starts, if one follows.
    struct Page: Sendable {
        let items: JSONTape.Node
        let next: Position?
        /// Where the page after the next one starts if the next one is full, when that is known
        /// now (a total says it exists): asked for at once, so reading the next page's answer
        /// overlaps the provider's work on the one after it.
        var afterNext: Position?
    }

    /// How this list pages.
    var scheme: PaginationScheme { client.provider.pagination(of: path, query: query) }

    /// Fetches the page starting at `position`.
    func page(at position: Position) async throws(ProviderError) -> Page {
        switch scheme {
        case .none:
            let page = client.provider.pageRequest(path: path, query: query)
            let reply: ProviderClient.Reply
            do {
                reply = try await client.requestHere(page.method, page.path, query: page.query, body: page.body)
            } catch where client.provider.saysTheListIsEmpty(error, path: page.path) {
                return Page(items: try Self.tape(of: .array([])), next: nil)
            }
            if case .parsed(let node) = reply.content, node.kind == .array { return Page(items: node, next: nil) }
            let result = reply.result
            if case .array = result { return Page(items: try Self.tape(of: result), next: nil) }
            return Page(items: try Self.tape(of: .array([result])), next: nil)
        case .limitOffset(let limitName, let offsetName, let itemsName, let totalName, let defaultLimit):
            guard case .offset(let offset) = position else { preconditionFailure("a cursor for limit/offset pages") }
            let limit = size(limitName, default: defaultLimit)
            let pageQuery = query.filter { $0.0 != limitName && $0.0 != offsetName } + [(limitName, String(limit)), (offsetName, String(offset))]
            let list = try await listBody(pageQuery).list
            let items = try self.items(itemsName, in: list)
            let total = totalName.flatMap { list[$0]?.integer }
            let end = offset + items.count
            // With a total, the list goes on until it is reached, whatever a page holds: a
            // provider may give fewer items than asked for (a cap of its own) well before its
            // end, and ending there dropped the rest without a word. Without one, a short page is
            // the last. The page after the next is asked for ahead only after a full page: after
            // a short one, where it starts is not known.
            let more = items.count > 0 && (total.map { end < $0 } ?? (items.count == limit))
            let afterNext = more && items.count == limit ? total.flatMap { end + limit < $0 ? Position.offset(end + limit) : nil } : nil
            return Page(items: items, next: more ? .offset(end) : nil, afterNext: afterNext)
        case .cursor(let cursorName, let limitName, let itemsName, let nextPath, let defaultLimit):
            guard case .cursor(let cursor) = position else { preconditionFailure("an offset for cursor pages") }
            let limit = size(limitName, default: defaultLimit)
            let list = try await listBody(cursorQuery(cursorName, cursor, limitName, limit)).list
            let items = try self.items(itemsName, in: list)
            var next: JSONTape.Node? = list
            for name in nextPath { next = next?[name] }
            // The last page has no cursor; a cursor on an empty page would go round for ever. A
            // page that names itself next goes round too: said so below, as a longer round is,
            // rather than ended as if it were the last.
            guard let following = next?.string, !following.isEmpty, items.count > 0 else {
                return Page(items: items, next: nil)
            }
            return Page(items: items, next: .cursor(following))
        case .pageNumber(let pageName, let sizeName, let itemsName, let countPath, let first, let defaultSize):
            guard case .offset(let number) = position else { preconditionFailure("a cursor for numbered pages") }
            let size = self.size(sizeName, default: defaultSize)
            let pageQuery = query.filter { $0.0 != pageName && $0.0 != sizeName } + [(pageName, String(number)), (sizeName, String(size))]
            let list = try await listBody(pageQuery).list
            let items = try self.items(itemsName, in: list)
            var count: JSONTape.Node? = list
            for name in countPath { count = count?[name] }
            // The pages are numbered from `first` (0 or 1): the last is `first + count - 1`.
            let last = count?.integer.map { first + $0 - 1 }
            let more = items.count > 0 && (last.map { number < $0 } ?? (items.count == size))
            let afterNext = more ? last.flatMap { number + 1 < $0 ? Position.offset(number + 2) : nil } : nil
            return Page(items: items, next: more ? .offset(number + 1) : nil, afterNext: afterNext)
        case .afterItem(let cursorName, let limitName, let itemsName, let key, let morePath, let defaultLimit):
            guard case .cursor(let cursor) = position else { preconditionFailure("an offset for cursor pages") }
            let limit = size(limitName, default: defaultLimit)
            let list = try await listBody(cursorQuery(cursorName, cursor, limitName, limit)).list
            let items = try self.items(itemsName, in: list)
            var more: JSONTape.Node? = list
            for name in morePath { more = more?[name] }
            let goesOn = morePath.isEmpty ? items.count == limit : more?.bool == true
            let last = items.elements.last?[key]
            guard goesOn, let following = last?.string ?? last?.integer.map(String.init), following != cursor else {
                return Page(items: items, next: nil)
            }
            return Page(items: items, next: .cursor(following))
        case .link(let limitName, let itemsName, let defaultLimit):
            guard case .cursor(let next) = position else { preconditionFailure("an offset for linked pages") }
            let (pagePath, pageQuery): (String, [(String, String)])
            if let next {
                (pagePath, pageQuery) = try relative(next)
            } else {
                (pagePath, pageQuery) = (path, query.filter { $0.0 != limitName } + [(limitName, String(size(limitName, default: defaultLimit)))])
            }
            let (list, headers) = try await listBody(pageQuery, path: pagePath)
            let items = try itemsName.map { name throws(ProviderError) in try self.items(name, in: list) } ?? list
            guard items.kind == .array else {
                throw ProviderError(provider: client.provider.name, message: "GET \(path) is not a list: its answer is not an array to page through")
            }
            let following = LinkHeader.next(in: headers)
            guard let following, following != next, items.count > 0 else { return Page(items: items, next: nil) }
            return Page(items: items, next: .cursor(following))
        }
    }

    /// The path under the base URL, and the query, of a `Link` header's next page; a URL
    /// elsewhere is refused, since the request would carry the provider's credentials there.
    private func relative(_ url: String) throws(ProviderError) -> (String, [(String, String)]) {
        let base = client.baseURL
        var rest: Substring
        if url.hasPrefix("/") {
            let basePath = URLPath.of(base)
            guard url.hasPrefix(basePath + "/") || url == basePath else {
                throw ProviderError(provider: client.provider.name, message: "the Link header's next page, \(url), is not under the base URL \(base)")
            }
            rest = url.dropFirst(basePath.count)
        } else {
            guard url.hasPrefix(base + "/") || url.hasPrefix(base + "?") else {
                throw ProviderError(provider: client.provider.name, message: "the Link header's next page, \(url), is not under the base URL \(base): not followed")
            }
            rest = url.dropFirst(base.count)
        }
        let parts = rest.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = parts.first.map(String.init) ?? ""
        guard client.pathProblem(path) == nil, !path.contains("#") else {
            throw ProviderError(provider: client.provider.name, message: "the Link header's next page, \(url), is not a page under the base URL \(base): not followed")
        }
        // Decoded as a URL's query, not a form: a `+` in a cursor stays a `+`.
        return (path, parts.count > 1 ? FormEncoding.fields(String(parts[1]), plusIsSpace: false) : [])
    }

    /// The list's query with `limit` items a page and, after the first page, the cursor.
    private func cursorQuery(_ cursorName: String, _ cursor: String?, _ limitName: String, _ limit: Int) -> [(String, String)] {
        query.filter { $0.0 != limitName && $0.0 != cursorName } + [(limitName, String(limit))] + (cursor.map { [(cursorName, $0)] } ?? [])
    }

    /// Items a page: the page size asked for, else the size the query gives under the provider's
    /// own name (`p:paginate(path, { limit = 50 })`), else the provider's default.
    private func size(_ name: String, default fallback: Int) -> Int {
        if let pageSize { return pageSize }
        if let given = query.last(where: { $0.0 == name }).flatMap({ Int($0.1) }), given > 0 { return given }
        return fallback
    }

    /// Where the paging starts: where the query says, under the provider's own name (`{ offset
    /// = 500 }`, a page number, a cursor), else at the list's beginning. The query's position
    /// was dropped before, and such a loop started over from the first item without a word.
    var start: Position {
        if let (name, least) = numberedStart {
            return .offset(given(name).flatMap { Int($0) }.map { Swift.min(Swift.max(least, $0), Self.greatestStart) } ?? least)
        }
        switch scheme {
        case .cursor(let cursorName, _, _, _, _), .afterItem(let cursorName, _, _, _, _, _): return .cursor(given(cursorName).flatMap { $0.isEmpty ? nil : $0 })
        case .link: return .cursor(nil)
        default: return .offset(0)
        }
    }

    /// The query parameter a numbered start is given under (an offset, a page number), and the
    /// least it may be; nil for lists that start otherwise.
    private var numberedStart: (name: String, least: Int)? {
        switch scheme {
        case .limitOffset(_, let offsetName, _, _, _): (offsetName, 0)
        case .pageNumber(let pageName, _, _, _, let first, _): (pageName, first)
        default: nil
        }
    }

    /// What is wrong with the position the query gives, said to the script; nil when it gives
    /// none or a good one.
    public var startProblem: String? {
        guard let (name, least) = numberedStart, let value = given(name) else { return nil }
        // Bounded, so that adding a page's count to it can never overflow.
        guard let number = Int(value), (least...Self.greatestStart).contains(number) else {
            return "'\(name)' is where paging starts: a whole number from \(least) to \(Self.greatestStart), not '\(value)'"
        }
        return nil
    }

    /// The greatest offset or page number a query may start from.
    static let greatestStart = 1_000_000_000_000

    /// The query's value for `name` (the last, if repeated).
    private func given(_ name: String) -> String? {
        query.last { $0.0 == name }?.1
    }

    private func items(_ name: String, in list: JSONTape.Node) throws(ProviderError) -> JSONTape.Node {
        guard let items = list[name], items.kind == .array else {
            throw ProviderError(
                provider: client.provider.name, message: "GET \(path) is not a list: its answer has no '\(name)' array to page through")
        }
        return items
    }

    /// The list in the answer to a GET of `path` with `query`, as parsed: the provider finds it
    /// in its envelope; an error answer raises the provider's error.
    private func listBody(_ query: [(String, String)], path: String? = nil) async throws(ProviderError) -> (list: JSONTape.Node, headers: [(String, String)]) {
        let page = client.provider.pageRequest(path: path ?? self.path, query: query)
        let (request, response) = try await client.send(page.method, page.path, query: page.query, body: page.body)
        let credentials = client.context.credentials
        // A provider's secret echoed in the answer is redacted, the slow way; otherwise the page
        // goes to the script straight from the parsed text.
        let echoesSecret = credentials.mayContain(in: response.body)
        if let tape = try? JSONTape.parse(response.body), let list = client.provider.listBody(of: response, parsed: tape.root) {
            return (echoesSecret ? try Self.tape(of: credentials.redacting(list.value)) : list, response.headers)
        }
        // Not a page: the provider says what it is instead.
        return (try Self.tape(of: client.redactedResult(of: response, to: request).value), response.headers)
    }

    /// A value built in Swift, as a parsed document.
    private static func tape(of value: JSONValue) throws(ProviderError) -> JSONTape.Node {
        do {
            return try JSONTape.parse(value.encoded()).root
        } catch {
            throw ProviderError(provider: "payrun", message: "cannot re-read a result: \(error.description)")
        }
    }

    /// The pages, one array of items at a time, each fetched while the caller works on the last.
    /// - Parameter executor: where the fetches run; Swift's global executor when nil.
    public func makePageIterator(on executor: (any TaskExecutor)? = nil) -> PageIterator {
        PageIterator(paginator: self, executor: executor)
    }

    public struct PageIterator: Sendable {
        let paginator: ProviderPaginator
        private var executor: (any TaskExecutor)?
        private var upcoming: Task<Page, any Error>?
        /// The page after the upcoming one, asked for before the upcoming one's answer said
        /// where it starts; dropped if it says otherwise (the list changed meanwhile).
        private var ahead: (position: Position, task: Task<Page, any Error>)?
        private var started = false
        /// The cursors asked for so far: a provider whose pages lead back to one already read
        /// would otherwise be paged for ever.
        private var cursors: Set<String> = []

        init(paginator: ProviderPaginator, executor: (any TaskExecutor)? = nil) {
            self.paginator = paginator
            self.executor = executor
        }

        /// Fetches the pages asked for from now on on Swift's global executor.
        public mutating func fetchOnTheGlobalExecutor() {
            executor = nil
        }

        /// Whether pages are fetched on the executor given, not Swift's global one.
        public var fetchesOnItsExecutor: Bool { executor != nil }

        /// Whether the last page has been handed out: nothing is asked for any more.
        public var isAtEnd: Bool { started && upcoming == nil }

        /// The next page's items (an array), or nil after the last page.
        public mutating func next() async throws -> JSONTape.Node? {
            if !started {
                started = true
                let start = paginator.start
                // A start the script gave is one read too: a page naming it next goes round.
                if case .cursor(let cursor?) = start { cursors.insert(cursor) }
                upcoming = fetch(at: start)
            }
            guard let task = upcoming else { return nil }
            // A wait cancelled (a stop, a cancelled caller) cancels the fetch it waits for: the
            // first page's task is made here, out of reach of ``cancel()`` until this returns.
            let page = try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
            if case .cursor(let cursor?)? = page.next, !cursors.insert(cursor).inserted {
                // This page's items are new; the error comes when the caller asks for more.
                let error = ProviderError(
                    provider: paginator.client.provider.name,
                    message: "GET \(paginator.path): the next page (\(cursor)) is one already read: the provider's pages go round, so paging stopped")
                upcoming = Task { throw error }
                return page.items
            }
            // Ask for the next page now, while the caller works through this one (unless it was
            // asked for already), and for the one after it if that one's start is known.
            if let next = page.next, let ahead, ahead.position == next {
                upcoming = ahead.task
            } else {
                ahead?.task.cancel()
                upcoming = page.next.map { fetch(at: $0) }
            }
            ahead = page.afterNext.map { ($0, fetch(at: $0)) }
            return page.items
        }

        /// Stops the pages asked for ahead, for a loop that ends before the list does.
        public func cancel() {
            upcoming?.cancel()
            ahead?.task.cancel()
        }

        private func fetch(at position: Position) -> Task<Page, any Error> {
            let paginator = self.paginator
            return Task(executorPreference: executor) { try await paginator.page(at: position) }
        }
    }

    public struct Iterator: AsyncIteratorProtocol, Sendable {
        private var pages: PageIterator
        private var items: [JSONTape.Node] = []
        private var position = 0

        init(paginator: ProviderPaginator) {
            pages = PageIterator(paginator: paginator)
        }

        public mutating func next() async throws -> JSONValue? {
            while position == items.count {
                guard let page = try await pages.next() else { return nil }
                items = page.elements
                position = 0
            }
            defer { position += 1 }
            return items[position].value
        }
    }
}
