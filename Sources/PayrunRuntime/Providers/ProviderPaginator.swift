// Every item of a provider's list, page after page in the provider's own scheme, fetching the
// next page while the caller works on the current one. Only two pages are ever held, so memory
// stays flat however long the list.
import PayrunFormats

/// The items of a list, as an async sequence.
public struct ProviderPaginator: AsyncSequence, Sendable {
    public typealias Element = JSONValue

    let client: ProviderClient
    let path: String
    let query: [(String, String)]
    let pageSize: Int?

    /// - Parameter pageSize: items per page; the provider's default when nil.
    public init(client: ProviderClient, path: String, query: [(String, String)] = [], pageSize: Int? = nil) {
        self.client = client
        self.path = path
        self.query = query
        self.pageSize = pageSize
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(paginator: self)
    }

    /// One page: its items (an array in a parsed answer) and whether more follow.
    struct Page: Sendable {
        let items: JSONTape.Node
        let next: Int?
    }

    /// Fetches the page starting at `offset`.
    func page(at offset: Int) async throws(ProviderError) -> Page {
        switch client.provider.pagination {
        case .none:
            let reply = try await client.request("GET", path, query: query)
            if case .array = reply.result { return Page(items: try Self.tape(of: reply.result), next: nil) }
            return Page(items: try Self.tape(of: .array([reply.result])), next: nil)
        case .limitOffset(let limitName, let offsetName, let itemsName, let totalName, let defaultLimit):
            let limit = pageSize ?? defaultLimit
            let pageQuery = query.filter { $0.0 != limitName && $0.0 != offsetName } + [(limitName, String(limit)), (offsetName, String(offset))]
            let list = try await listBody(pageQuery)
            guard let items = list[itemsName], items.kind == .array else {
                throw ProviderError(
                    provider: client.provider.name,
                    message: "GET \(path) is not a list: its answer has no '\(itemsName)' array to page through")
            }
            let total = totalName.flatMap { list[$0]?.integer }
            let end = offset + items.count
            let more = items.count == limit && items.count > 0 && (total.map { end < $0 } ?? true)
            return Page(items: items, next: more ? end : nil)
        }
    }

    /// The list in the answer to a GET of `path` with `query`, as parsed: the provider finds it
    /// in its envelope; an error answer raises the provider's error.
    private func listBody(_ query: [(String, String)]) async throws(ProviderError) -> JSONTape.Node {
        let (request, response) = try await client.send("GET", path, query: query)
        if let tape = try? JSONTape.parse(response.body), let list = client.provider.listBody(of: response, parsed: tape.root) {
            return list
        }
        // Not a page: the provider says what it is instead.
        return try Self.tape(of: client.provider.result(of: response, to: request))
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
    public func makePageIterator() -> PageIterator {
        PageIterator(paginator: self)
    }

    public struct PageIterator: Sendable {
        let paginator: ProviderPaginator
        private var upcoming: Task<Page, any Error>?
        private var started = false

        init(paginator: ProviderPaginator) {
            self.paginator = paginator
        }

        /// The next page's items (an array), or nil after the last page.
        public mutating func next() async throws -> JSONTape.Node? {
            if !started {
                started = true
                upcoming = fetch(at: 0)
            }
            guard let task = upcoming else { return nil }
            let page = try await task.value
            // Ask for the next page now, while the caller works through this one.
            upcoming = page.next.map { fetch(at: $0) }
            return page.items
        }

        private func fetch(at offset: Int) -> Task<Page, any Error> {
            let paginator = self.paginator
            return Task { try await paginator.page(at: offset) }
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
