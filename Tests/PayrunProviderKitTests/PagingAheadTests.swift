// Pages asked for ahead: with limit/offset and a total, the page after the next one is asked for
// as soon as the next one is (where it starts is known before the next one's answer is read), so
// reading one answer overlaps the provider's work on the next. Never past the total, and every
// item once and in order.
import Foundation
import PayrunFormats
import PayrunProviderKit
import PayrunProviders
import PayrunSimulators
import PayrunTestSupport
import Testing

@Suite struct PagingAheadTests {
    /// The offsets of the transaction pages the simulator answered, in the order it answered them.
    func offsets(_ server: SimulatorServer) -> [Int] {
        server.requests.all.filter { $0.path.hasSuffix("/transaction/search") }.compactMap { entry in
            entry.query.flatMap { FormEncoding.fields($0, plusIsSpace: false).first { $0.0 == "offset" } }.flatMap { Int($0.1) }
        }
    }

    @Test func theNextTwoPagesAreAskedForAtOnceAndNoneBeyondTheTotal() async throws {
        try await ProvidersFromSwiftTests().withClient(ParticeepProvider(), { $0.particeep.transactions = 95 }) { server, client in
            server.requests.removeAll()
            var pages = ProviderPaginator(client: client, path: "/transaction/search", pageSize: 10).makePageIterator()
            var ids = try #require(try await pages.next()).elements.compactMap { $0["id"]?.string }
            // Without asking for more, the second page and the third are on their way.
            let deadline = Date().addingTimeInterval(5)
            while !(offsets(server).contains(10) && offsets(server).contains(20)), Date() < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(Set(offsets(server)) == [0, 10, 20], "the first page, the next and the one after it")
            while let page = try await pages.next() { ids += page.elements.compactMap { $0["id"]?.string } }
            #expect(ids == (1...95).map { "txn_\($0)" }, "every item once, in order")
            #expect(offsets(server).sorted() == Array(stride(from: 0, through: 90, by: 10)), "each page asked for once, none past the total")
        }
    }
}
