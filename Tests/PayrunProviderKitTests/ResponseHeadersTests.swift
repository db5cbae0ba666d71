// A response's headers kept as bytes until read (`ResponseHeaders`): what a script, a provider or
// the redactor reads from them must be what the server sent, as the strings it used to get.
@testable import PayrunProviderKit
import Testing

@Suite struct ResponseHeadersTests {
    @Test func anAnswersHeadersReadBackAsTheyCame() async throws {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Empty:\r\nLink:  <http://a.test/x?page=2>; rel=\"next\" \t\r\n"
            + "set-cookie: a=1\r\nSet-Cookie: b=2\r\nX-Time: 12:30:05\r\nContent-Length: 2\r\n\r\n{}"
        try await withScriptedServer([.init(head)]) { server, transport in
            let response = try await send(transport, ProviderRequest(method: "GET", url: server.url + "/h"))
            let expected = [
                ("Content-Type", "application/json"), ("X-Empty", ""), ("Link", "<http://a.test/x?page=2>; rel=\"next\""),
                ("set-cookie", "a=1"), ("Set-Cookie", "b=2"), ("X-Time", "12:30:05"), ("Content-Length", "2"),
            ]
            #expect(response.headers.map(\.0) == expected.map(\.0))
            #expect(response.headers.map(\.1) == expected.map(\.1))
            #expect(response.headerFields.count == 7)
            // Looked up without regard to case; the first of two; a value holding colons; an empty one.
            #expect(response.header("content-type") == "application/json")
            #expect(response.header("SET-COOKIE") == "a=1")
            #expect(response.header("x-time") == "12:30:05")
            #expect(response.header("x-empty") == "")
            #expect(response.header("x-missing") == nil)
            #expect(response.header("content-typ") == nil)
            // As a number: only digits make one.
            #expect(response.integerHeader("content-length") == 2)
            #expect(response.integerHeader("x-time") == nil)
            #expect(response.integerHeader("x-empty") == nil)
            #expect(response.integerHeader("x-missing") == nil)
            #expect(ProviderResponse(status: 200, headers: [("Quota", "41"), ("Sign", "+4")], body: []).integerHeader("quota") == 41)
            #expect(ProviderResponse(status: 200, headers: [("Sign", "+4")], body: []).integerHeader("sign") == nil)
        }
    }

    /// A head that comes in pieces: the lines read before each wait are copied out before the
    /// reader's buffer drops them, and a line cut in two is whole.
    @Test func aHeadThatComesInPiecesReadsWhole() async throws {
        let filler = (1...40).map { "X-Filler-\($0): \(String(repeating: "v", count: 40))\r\n" }.joined()
        let head = "HTTP/1.1 200 OK\r\n" + filler + "X-Cut: first half, second half\r\nContent-Length: 2\r\n\r\nok"
        let cut = head.utf8.count - 40
        try await withScriptedServer([.init(head, pausesAt: [cut - 200, cut])]) { server, transport in
            let response = try await send(transport, ProviderRequest(method: "GET", url: server.url + "/p"))
            #expect(String(decoding: response.body, as: UTF8.self) == "ok")
            #expect(response.headers.count == 42)
            #expect(response.header("x-filler-1") == String(repeating: "v", count: 40))
            #expect(response.header("x-filler-40") == String(repeating: "v", count: 40))
            #expect(response.header("x-cut") == "first half, second half")
            #expect(response.headers.last.map { $0.0 + "=" + $0.1 } == "Content-Length=2")
        }
    }

    @Test func headersGivenAsStringsReadTheSame() {
        let headers = ResponseHeaders([("A", "1"), ("b", "2"), ("a", "3")])
        #expect(headers.count == 3)
        #expect(headers.value(named: "a") == "1")
        #expect(headers.pairs.map(\.1) == ["1", "2", "3"])
    }

    @Test func aSecretInAnAnswersHeadersIsRedactedAndOtherAnswersAreLeftAsBytes() async throws {
        let credentials = ProviderCredentials(provider: "acme", environment: .live, secrets: ["api_key": Secret("sk-live-4242")])
        let answers: [ScriptedHTTPServer.Answer] = [
            .init("HTTP/1.1 200 OK\r\nLink: <http://a.test/x?key=sk-live-4242&page=2>; rel=\"next\"\r\nX-Other: 1\r\nContent-Length: 0\r\n\r\n"),
            .init("HTTP/1.1 200 OK\r\nX-Other: sk-live-424\r\nContent-Length: 0\r\n\r\n"),
        ]
        try await withScriptedServer(answers) { server, transport in
            let echoed = credentials.redacting(try await send(transport, ProviderRequest(method: "GET", url: server.url + "/a")).headerFields)
            #expect(echoed.value(named: "link") == "<http://a.test/x?key=[redacted acme.api_key]&page=2>; rel=\"next\"")
            #expect(echoed.value(named: "x-other") == "1")
            #expect(!echoed.pairs.contains { $0.1.contains("sk-live-4242") })
            let clean = credentials.redacting(try await send(transport, ProviderRequest(method: "GET", url: server.url + "/b")).headerFields)
            #expect(clean.lineBytes != nil)
            #expect(clean.value(named: "x-other") == "sk-live-424")
        }
    }
}
