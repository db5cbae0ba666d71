// Declared pagination against a service of the test's own that answers set pages: where it stops.
import PayrunDeclaredProviders
import PayrunProviderKit
import PayrunRuntime
import PayrunTestSupport
import Testing

@Suite struct DeclaredPagingTests {
    /// Runs `code` against a provider declared with `pagination`, on a service answering `pages`
    /// in turn; the service's requests and the run's result.
    func run(_ code: String, pagination: String, pages: [String]) async throws -> (ServiceReceiver, ScriptResult) {
        let receiver = try await ServiceReceiver.start(answering: pages.map { .status(200, body: $0) })
        let source = """
            return {
              name = "acme", base_url = { test = "\(receiver.url)/v1" }, credentials = { "api_key" },
              auth = { kind = "bearer", credential = "api_key" }, pagination = \(pagination),
            }
            """
        var registry = ProviderRegistry()
        registry.register(DeclaredProvider(try DefinitionFile.load(Array(source.utf8), file: "providers/acme.lua")))
        var store = MemoryCredentialStore()
        store.set(Secret("k3y-for-paging-7c1d"), for: CredentialName(provider: "acme", field: "api_key"), in: .test)
        let engine = PayrunEngine(PayrunEngine.Configuration(providers: registry, environment: .test, credentials: store))
        let result = try await engine.run(.text(code, name: "pages.lua"))
        await engine.shutdown()
        await receiver.stop()
        return (receiver, result)
    }

    /// Pages numbered from 0: the last of `page_count` pages is `page_count - 1`. Paging asked
    /// for one past it, which an API answers with an error.
    @Test func pagesNumberedFromZeroEndAtTheirCount() async throws {
        let page = #"{"data":[1,2,3],"meta":{"pages":3}}"#
        let (receiver, result) = try await run("""
            local n = 0
            for _ in payrun.provider("acme"):paginate("/items") do n = n + 1 end
            return n
            """, pagination: #"{ kind = "page", page = "page", size = "size", page_count = "meta.pages", first = 0 }"#, pages: [page, page, page])
        #expect(result.values == [.integer(9)], "\(String(describing: result.error))")
        let asked = receiver.received.map { $0.query.split(separator: "&").first { $0.hasPrefix("page=") } ?? "" }.sorted()
        #expect(asked == ["page=0", "page=1", "page=2"], "\(receiver.received.map(\.query))")
    }

    /// A provider that gives fewer items a page than asked for (a cap of its own), with a total:
    /// the pages go on from where each one ended until the total is reached. A short page ended
    /// the list before, and the script read 2 of 5 items without a word.
    @Test func shortPagesGoOnToTheTotal() async throws {
        let (receiver, result) = try await run("""
            local ids = {}
            for item in payrun.provider("acme"):paginate("/items", nil, { page_size = 4 }) do ids[#ids + 1] = item end
            return table.concat(ids, ",")
            """, pagination: #"{ kind = "offset", limit = "limit", offset = "offset", items = "data", total = "total" }"#,
            pages: [#"{"data":[1,2],"total":5}"#, #"{"data":[3,4],"total":5}"#, #"{"data":[5],"total":5}"#])
        #expect(result.values == [.string("1,2,3,4,5")], "\(String(describing: result.error))")
        let asked = receiver.received.map { $0.query.split(separator: "&").first { $0.hasPrefix("offset=") } ?? "" }
        #expect(asked == ["offset=0", "offset=2", "offset=4"], "each page from where the one before ended: \(receiver.received.map(\.query))")
    }

    /// The query's own position is where the paging starts: an offset, a cursor. It was
    /// dropped, and the loop started over from the first item.
    @Test func theQuerysOffsetOrCursorIsWherePagingStarts() async throws {
        let (offsets, counted) = try await run("""
            local n = 0
            for _ in payrun.provider("acme"):paginate("/items", { offset = 6 }, { page_size = 2 }) do n = n + 1 end
            return n
            """, pagination: #"{ kind = "offset", limit = "limit", offset = "offset", items = "data", total = "total" }"#,
            pages: [#"{"data":[7,8],"total":10}"#, #"{"data":[9,10],"total":10}"#])
        #expect(counted.values == [.integer(4)], "\(String(describing: counted.error))")
        #expect(offsets.received.map { $0.query.split(separator: "&").first { $0.hasPrefix("offset=") } ?? "" } == ["offset=6", "offset=8"])
        let (cursors, read) = try await run("""
            local n = 0
            for _ in payrun.provider("acme"):paginate("/items", { cursor = "c5" }) do n = n + 1 end
            return n
            """, pagination: #"{ kind = "cursor", cursor = "cursor", next = "next" }"#,
            pages: [#"{"data":[6],"next":"c6"}"#, #"{"data":[7]}"#])
        #expect(read.values == [.integer(2)], "\(String(describing: read.error))")
        #expect(cursors.received.map { $0.query.split(separator: "&").first { $0.hasPrefix("cursor=") } ?? "" } == ["cursor=c5", "cursor=c6"])
    }

    /// An offset that is not one is refused where the script gave it, before anything is sent.
    @Test func anOffsetThatIsNotOneIsAnArgumentError() async throws {
        let (receiver, result) = try await run("""
            return select(2, pcall(function() for _ in payrun.provider("acme"):paginate("/items", { offset = "ten" }) do end end))
            """, pagination: #"{ kind = "offset" }"#, pages: [])
        #expect(result.values.first?.string?.hasSuffix("bad argument #2 to 'paginate' ('offset' is where paging starts: a whole number from 0 to 1000000000000, not 'ten')") == true, "\(result.values)")
        #expect(receiver.received.isEmpty)
        // Past the greatest start: an offset a page's count could not be added to.
        let (_, huge) = try await run("""
            return select(2, pcall(function() for _ in payrun.provider("acme"):paginate("/items", { offset = math.maxinteger }) do end end))
            """, pagination: #"{ kind = "offset" }"#, pages: [])
        #expect(huge.values.first?.string?.contains("a whole number from 0 to 1000000000000, not '9223372036854775807'") == true, "\(huge.values)")
    }

    /// A start cursor the script gave is one read: a page naming it next goes round at once,
    /// its items handed out once.
    @Test func aPageNamingTheStartCursorNextIsAnError() async throws {
        let (receiver, result) = try await run("""
            local n = 0
            local ok, err = pcall(function()
              for _ in payrun.provider("acme"):paginate("/items", { cursor = "c5" }) do n = n + 1 end
            end)
            return n, ok, tostring(err.message)
            """, pagination: #"{ kind = "cursor", cursor = "cursor", next = "next" }"#,
            pages: [#"{"data":[6],"next":"c5"}"#, #"{"data":[6],"next":"c5"}"#])
        #expect(result.values.first == .integer(1) && result.values.dropFirst().first == .bool(false), "\(result.values)")
        #expect(result.values.last?.string?.contains("(c5) is one already read") == true, "\(result.values)")
        #expect(receiver.received.count == 1)
    }

    /// Without a total, a page shorter than asked for is the last.
    @Test func withoutATotalAShortPageIsTheLast() async throws {
        let (receiver, result) = try await run("""
            local n = 0
            for _ in payrun.provider("acme"):paginate("/items", nil, { page_size = 4 }) do n = n + 1 end
            return n
            """, pagination: #"{ kind = "offset", limit = "limit", offset = "offset", items = "data" }"#,
            pages: [#"{"data":[1,2,3,4]}"#, #"{"data":[5,6]}"#, #"{"data":[7]}"#])
        #expect(result.values == [.integer(6)], "\(String(describing: result.error))")
        #expect(receiver.received.count == 2)
    }

    /// A page whose next cursor is its own goes round, as a longer round does: an error, not an
    /// end that drops the pages after it without a word.
    @Test func aCursorNamingItsOwnPageIsAnError() async throws {
        let (receiver, result) = try await run("""
            local n = 0
            local ok, err = pcall(function()
              for _ in payrun.provider("acme"):paginate("/items") do n = n + 1 end
            end)
            return n, ok, tostring(err.message)
            """, pagination: #"{ kind = "cursor", cursor = "cursor", next = "next" }"#,
            pages: [#"{"data":[1],"next":"a"}"#, #"{"data":[2],"next":"a"}"#])
        #expect(result.values.count == 3, "\(String(describing: result.error))")
        #expect(result.values.first == .integer(2) && result.values.dropFirst().first == .bool(false))
        #expect(result.values.last?.string?.contains("is one already read: the provider's pages go round") == true, "\(result.values)")
        #expect(receiver.received.count == 2)
    }
}
