// A request sent by a blocking thread with no task (`HTTPTransport.sendNow`): only on a
// connection kept from an earlier request, read by the same framing rules as the async path, and
// left to the async path when it cannot go (nothing kept, or the kept one found closed).
import Foundation
import PayrunLocks
@testable import PayrunProviderKit
import Testing

@Suite struct SendNowTests {
    @Test func onlyAKeptConnectionCarriesARequestSentWithoutATask() async throws {
        let answers: [ScriptedHTTPServer.Answer] = [
            .init("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
            .init("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n"),
            .init("HTTP/1.1 201 Created\r\nContent-Length: 7\r\n\r\ncreated"),
        ]
        var settings = HTTPSettings()
        settings.idleConnectionLifetime = .seconds(600)
        try await withScriptedServer(answers, settings: settings) { server, transport in
            // Nothing kept yet: not sent, left to the async path.
            #expect(try transport.sendNow(ProviderRequest(method: "GET", url: server.url + "/a"), stop: { false }) == nil)
            #expect(server.requests.isEmpty)
            #expect(try await send(transport, ProviderRequest(method: "GET", url: server.url + "/a")).status == 200)
            // Its connection, now kept, carries the next two, read by the same rules.
            let chunked = try #require(try transport.sendNow(ProviderRequest(method: "GET", url: server.url + "/b"), stop: { false }))
            #expect(chunked.status == 200 && String(decoding: chunked.body, as: UTF8.self) == "hello, world")
            let created = try #require(try transport.sendNow(ProviderRequest(method: "POST", url: server.url + "/c", body: Array("{}".utf8)), stop: { false }))
            #expect(created.status == 201 && String(decoding: created.body, as: UTF8.self) == "created")
            #expect(server.connections == 1 && server.requests.count == 3)
        }
    }

    /// A read taken on a kept connection without checking it, which the server had closed: no
    /// answer came, so it is left to the async path, which sends it on a new one.
    @Test func aKeptConnectionFoundClosedLeavesTheReadToTheAsyncPath() async throws {
        let answers: [ScriptedHTTPServer.Answer] = [
            .init("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", closes: true),
            .init("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nagain"),
        ]
        // Lifetimes no loaded machine reaches between these requests.
        var settings = HTTPSettings()
        settings.uncheckedReuseTime = .seconds(600)
        settings.idleConnectionLifetime = .seconds(600)
        try await withScriptedServer(answers, settings: settings) { server, transport in
            #expect(try await send(transport, ProviderRequest(method: "GET", url: server.url + "/a")).status == 200)
            try await Task.sleep(for: .milliseconds(200))
            #expect(try transport.sendNow(ProviderRequest(method: "GET", url: server.url + "/b"), stop: { false }) == nil)
            let again = try await send(transport, ProviderRequest(method: "GET", url: server.url + "/b"))
            #expect(String(decoding: again.body, as: UTF8.self) == "again")
            #expect(server.connections == 2)
        }
    }

    @Test func aStopEndsTheWaitOfARequestSentWithoutATask() async throws {
        // The first answer keeps the connection; the second request is read and never answered.
        let answers: [ScriptedHTTPServer.Answer] = [.init("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), .init("")]
        // A lifetime no loaded machine reaches before the second request.
        var settings = HTTPSettings()
        settings.idleConnectionLifetime = .seconds(600)
        try await withScriptedServer(answers, settings: settings) { server, transport in
            let first = try await send(transport, ProviderRequest(method: "GET", url: server.url + "/a"))
            #expect(first.status == 200)
            let start = ContinuousClock.now
            let request = ProviderRequest(method: "GET", url: server.url + "/slow")
            var stopped: TransportError?
            do throws(TransportError) {
                _ = try transport.sendNow(request, stop: { ContinuousClock.now - start > .milliseconds(300) })
            } catch {
                stopped = error
            }
            #expect(stopped == .stopped(sent: true))
            // Heard within a slice of the wait (50 ms), not at the 30 s read timeout.
            #expect(ContinuousClock.now - start < .seconds(5))
        }
    }
}
