// What a request sent through AsyncHTTPClient (from Swift's own threads, not a script's: TLS,
// proxies, embedding code) gets back, collected by ProviderResponseCollector: whole bodies
// however they are framed, and the size cap, announced or not.
import PayrunProviderKit
import Testing

@Suite struct ProviderResponseCollectorTests {
    /// A transport with a cap of `cap` bytes on answers; `send` is called from this task, which
    /// no script's thread runs, so AsyncHTTPClient carries the requests.
    func settings(cap: Int) -> HTTPSettings {
        var settings = HTTPSettings()
        settings.maximumResponseBytes = cap
        return settings
    }

    @Test func bodiesComeWholeHowEverTheyAreFramed() async throws {
        let long = String(repeating: "0123456789", count: 10_000)
        let answers: [ScriptedHTTPServer.Answer] = [
            .init("HTTP/1.1 201 Created\r\nContent-Length: \(long.utf8.count)\r\nX-Request-Id: r1\r\n\r\n\(long)"),
            .init("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n"),
            .init("HTTP/1.1 204 No Content\r\nX-Empty: yes\r\n\r\n"),
            // A HEAD's answer announces a body it does not carry: no cap applies to it.
            .init("HTTP/1.1 200 OK\r\nContent-Length: 500000\r\n\r\n"),
        ]
        try await withScriptedServer(answers, settings: settings(cap: 200_000)) { server, transport in
            let created = try await transport.send(ProviderRequest(method: "POST", url: server.url + "/a", body: Array("{}".utf8)))
            #expect(created.status == 201 && created.body == Array(long.utf8))
            #expect(created.header("x-request-id") == "r1")
            let chunked = try await transport.send(ProviderRequest(method: "GET", url: server.url + "/b"))
            #expect(chunked.status == 200 && String(decoding: chunked.body, as: UTF8.self) == "hello, world")
            let empty = try await transport.send(ProviderRequest(method: "DELETE", url: server.url + "/c"))
            #expect(empty.status == 204 && empty.body.isEmpty && empty.header("X-Empty") == "yes")
            let head = try await transport.send(ProviderRequest(method: "HEAD", url: server.url + "/d"))
            #expect(head.status == 200 && head.body.isEmpty)
        }
    }

    @Test func answersPastTheCapAreRefusedAnnouncedOrNot() async throws {
        let big = String(repeating: "x", count: 150)
        let answers: [ScriptedHTTPServer.Answer] = [
            .init("HTTP/1.1 200 OK\r\nContent-Length: 150\r\n\r\n\(big)", closes: true),
            // Chunks that pass the cap only together.
            .init("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4b\r\n\(big.prefix(75))\r\n4b\r\n\(big.prefix(75))\r\n0\r\n\r\n", closes: true),
            .init("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n\(big.prefix(100))"),
        ]
        try await withScriptedServer(answers, settings: settings(cap: 100)) { server, transport in
            for _ in 0..<2 {
                await #expect(throws: TransportError.tooLarge(limit: 100)) {
                    try await transport.send(ProviderRequest(method: "GET", url: server.url + "/big"))
                }
            }
            // Exactly at the cap is not past it.
            let fits = try await transport.send(ProviderRequest(method: "GET", url: server.url + "/fits"))
            #expect(fits.body.count == 100)
        }
    }
}
