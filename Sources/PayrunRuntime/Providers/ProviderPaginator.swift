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

    /// One page: its items and whether more follow.
    struct Page: Sendable {
        let items: [JSONValue]
        let next: Int?
    }

    /// Fetches the page starting at `offset`.
    func page(at offset: Int) async throws(ProviderError) -> Page {
        switch client.provider.pagination {
        case .none:
            let reply = try await client.request("GET", path, query: query)
            if case .array(let items) = reply.result { return Page(items: items, next: nil) }
            return Page(items: [reply.result], next: nil)
        case .limitOffset(let limitName, let offsetName, let itemsName, let totalName, let defaultLimit):
            let limit = pageSize ?? defaultLimit
            let pageQuery = query.filter { $0.0 != limitName && $0.0 != offsetName } + [(limitName, String(limit)), (offsetName, String(offset))]
            let reply = try await client.request("GET", path, query: pageQuery)
            guard case .array(let items)? = reply.result[itemsName] else {
                throw ProviderError(
                    provider: client.provider.name, status: reply.status,
                    message: "GET \(path) is not a list: its answer has no '\(itemsName)' array to page through")
            }
            let total = totalName.flatMap { reply.result[$0]?.integer }
            let end = offset + items.count
            let more = items.count == limit && !items.isEmpty && (total.map { end < $0 } ?? true)
            return Page(items: items, next: more ? end : nil)
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

        /// The next page's items, or nil after the last page.
        public mutating func next() async throws -> [JSONValue]? {
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
        private var items: [JSONValue] = []
        private var position = 0

        init(paginator: ProviderPaginator) {
            pages = PageIterator(paginator: paginator)
        }

        public mutating func next() async throws -> JSONValue? {
            while position == items.count {
                guard let page = try await pages.next() else { return nil }
                items = page
                position = 0
            }
            defer { position += 1 }
            return items[position]
        }
    }
}
