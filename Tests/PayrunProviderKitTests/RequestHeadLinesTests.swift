// A request's header lines written once and used again for the next request with the same
// headers: the head that goes out is byte for byte the one written from scratch, and any
// difference (a value, a spelling of the same characters, the server, a body) writes it anew.
import PayrunLocks
@testable import PayrunProviderKit
import Testing

@Suite struct RequestHeadLinesTests {
    /// The head's bytes: compared as bytes, since `==` on strings holds two spellings of the same
    /// characters equal.
    func head(_ request: ProviderRequest, keeping kept: Locked<RequestHead.HeaderLines?>? = nil) throws -> [UInt8] {
        let destination = try #require(PlainHTTPClient.destination(of: request.url))
        return try RequestHead.bytes(of: request, to: destination, keeping: kept)
    }

    @Test func theNextRequestWithTheSameHeadersGetsTheSameHeadAsOneWrittenFromScratch() throws {
        let kept = Locked<RequestHead.HeaderLines?>(nil)
        let headers = [("Accept", "application/json"), ("DateTime", "2026-12-05T07:00:00Z"), ("Authorization", "PTP:key:c2lnbmF0dXJl")]
        _ = try head(ProviderRequest(method: "GET", url: "http://127.0.0.1:8080/v1/a", headers: headers), keeping: kept)
        #expect(kept.withLock { $0 != nil }, "a GET's lines are kept")
        for (method, url) in [("GET", "http://127.0.0.1:8080/v1/b?x=1"), ("HEAD", "http://127.0.0.1:8080"), ("DELETE", "http://127.0.0.1:8080/v1/c")] {
            // The same headers as new strings: matched by their bytes, not only as one value.
            let again = headers.map { (String(decoding: Array($0.0.utf8), as: UTF8.self), String(decoding: Array($0.1.utf8), as: UTF8.self)) }
            let request = ProviderRequest(method: method, url: url, headers: again)
            #expect(try head(request, keeping: kept) == (try head(request)))
        }
        #expect(try head(ProviderRequest(method: "GET", url: "http://127.0.0.1:8080/v1/b", headers: headers), keeping: kept)
            == Array("GET /v1/b HTTP/1.1\r\nAccept: application/json\r\nDateTime: 2026-12-05T07:00:00Z\r\nAuthorization: PTP:key:c2lnbmF0dXJl\r\nHost: 127.0.0.1:8080\r\n\r\n".utf8))
    }

    @Test(arguments: [
        // Another value; the same characters spelled otherwise (`==` holds them equal, their bytes differ);
        // another server; a header more.
        ProviderRequest(method: "GET", url: "http://127.0.0.1:8080/v1/a", headers: [("X-Name", "caf\u{E9}"), ("X-Second", "2")]),
        ProviderRequest(method: "GET", url: "http://127.0.0.1:8080/v1/a", headers: [("X-Name", "cafe\u{301}"), ("X-Second", "1")]),
        ProviderRequest(method: "GET", url: "http://127.0.0.1:9090/v1/a", headers: [("X-Name", "caf\u{E9}"), ("X-Second", "1")]),
        ProviderRequest(method: "GET", url: "http://127.0.0.1:8080/v1/a", headers: [("X-Name", "caf\u{E9}"), ("X-Second", "1"), ("X-Third", "3")]),
        ProviderRequest(method: "POST", url: "http://127.0.0.1:8080/v1/a", headers: [("X-Name", "caf\u{E9}"), ("X-Second", "1")], body: Array("{}".utf8)),
        ProviderRequest(method: "PUT", url: "http://127.0.0.1:8080/v1/a", headers: [("X-Name", "caf\u{E9}"), ("X-Second", "1")]),
    ])
    func anyDifferenceWritesTheLinesAnew(request: ProviderRequest) throws {
        let kept = Locked<RequestHead.HeaderLines?>(nil)
        _ = try head(ProviderRequest(method: "GET", url: "http://127.0.0.1:8080/v1/a", headers: [("X-Name", "caf\u{E9}"), ("X-Second", "1")]), keeping: kept)
        #expect(try head(request, keeping: kept) == (try head(request)))
    }

    @Test func aHeaderThatCannotBeSentIsRefusedThoughTheLastWereKept() throws {
        let kept = Locked<RequestHead.HeaderLines?>(nil)
        _ = try head(ProviderRequest(method: "GET", url: "http://127.0.0.1:8080/a", headers: [("X", "1")]), keeping: kept)
        #expect(throws: TransportError.self) {
            try head(ProviderRequest(method: "GET", url: "http://127.0.0.1:8080/a", headers: [("X", "1\r\nInjected: yes")]), keeping: kept)
        }
    }
}
