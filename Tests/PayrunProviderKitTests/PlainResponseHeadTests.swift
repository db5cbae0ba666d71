// The one-pass reading of a plain answer's head, and the reader's steps beside it: a head read
// in one pass says what the steps would, and every head it leaves to them (another framing, a
// status with no body, a malformed line, one not all here) still comes out as the steps read it.
@testable import PayrunProviderKit
import PayrunTestSupport
import Testing

@Suite struct PlainResponseHeadTests {
    func head(_ text: String, from start: Int = 0) -> PlainResponseHead? {
        Array(text.utf8).withUnsafeBufferPointer { PlainResponseHead.read($0, from: start, maximumHeadBytes: 64 << 10) }
    }

    @Test func aPlainHeadIsReadWholeWithItsLinesAndLength() throws {
        let text = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length:  12 \r\nX-Empty:\r\n\r\n{\"ok\": true}"
        let found = try #require(head(text))
        let bytes = Array(text.utf8)
        #expect(found.status == 200 && found.contentLength == 12 && found.headerCount == 3)
        #expect(String(decoding: bytes[found.headerLines], as: UTF8.self) == "Content-Type: application/json\r\ncontent-length:  12 \r\nX-Empty:\r\n")
        #expect(String(decoding: bytes[found.end...], as: UTF8.self) == "{\"ok\": true}")
        // Lines ending in a bare LF, after bytes the reader took already.
        let bare = try #require(head("junkHTTP/1.1 404 Not Found\nContent-Length: 0\n\n", from: 4))
        #expect(bare.status == 404 && bare.contentLength == 0 && bare.headerCount == 1)
    }

    @Test(arguments: [
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n",                                        // not all here
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nok",                            // no length: read to the close
        "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",                                   // HTTP/1.0 keeps only when asked
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",       // an interim answer first
        "HTTP/1.1 204 No Content\r\nContent-Length: 2\r\n\r\n",                             // no body whatever it says
        "HTTP/1.1 304 Not Modified\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",               // repeated
        "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok",                                // a list
        "HTTP/1.1 200 OK\r\nContent-Length: -2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nno colon here\r\n\r\nok",
        "HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok",
        "SSH-2.0-OpenSSH_9.6\r\n\r\n",
    ])
    func anythingButThePlainFormIsLeftToTheSteps(text: String) {
        #expect(head(text) == nil)
    }

    @Test func aHeadPastTheLimitIsLeftToTheSteps() {
        let text = "HTTP/1.1 200 OK\r\nX-Long: " + String(repeating: "a", count: 100) + "\r\nContent-Length: 0\r\n\r\n"
        let read = { (limit: Int) in Array(text.utf8).withUnsafeBufferPointer { PlainResponseHead.read($0, from: 0, maximumHeadBytes: limit) } }
        #expect(read(text.utf8.count) != nil, "a head of exactly the limit is taken")
        #expect(read(text.utf8.count - 1) == nil)
    }

    /// `request` sent from a thread that may block, as a script's thread sends.
    func send(_ transport: HTTPTransport, _ request: ProviderRequest) async throws -> ProviderResponse {
        try await WaitingThread.run(hearing: BlockingIO.StopCheck { false }) { try await transport.send(request) }
    }

    @Test func bytesAfterAnAnswerAndAHeadAnswersBodyEndItsConnection() async throws {
        let answers: [ScriptedHTTPServer.Answer] = [
            .init("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokJUNK"),
            // A HEAD's answer has no body whatever its length says: "hello" is bytes no request asked for.
            .init("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
            .init("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlast"),
        ]
        #expect(head("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokJUNK") != nil)
        var settings = HTTPSettings()
        settings.idleConnectionLifetime = .seconds(600)
        try await withScriptedServer(answers, settings: settings) { server, transport in
            let first = try await send(transport, ProviderRequest(method: "GET", url: server.url + "/a"))
            #expect(String(decoding: first.body, as: UTF8.self) == "ok")
            let headAnswer = try await send(transport, ProviderRequest(method: "HEAD", url: server.url + "/b"))
            #expect(headAnswer.status == 200 && headAnswer.body.isEmpty)
            let last = try await send(transport, ProviderRequest(method: "GET", url: server.url + "/c"))
            #expect(String(decoding: last.body, as: UTF8.self) == "last")
            // Each answer left bytes behind it but the last: none of their connections was used again.
            #expect(server.connections == 3)
        }
    }

    /// Answers sent whole, and the same cut into pieces the client reads apart (the steps'
    /// way), come out the same: status, headers, body, and whether the connection is kept.
    @Test func anAnswerReadInOnePassIsTheSameAsOneReadInPieces() async throws {
        let texts = [
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nX-Quota: 7\r\n\r\n{\"id\":\"ab\"}",
            "HTTP/1.1 201 Created\nContent-Length: 0\n\n",
            "HTTP/1.1 200 OK\r\ncontent-length:5\r\n\r\nhello",
        ]
        // Each is one the one pass takes when it is all there.
        #expect(texts.allSatisfy { head($0) != nil })
        var settings = HTTPSettings()
        settings.idleConnectionLifetime = .seconds(600)
        var seen: [[String]] = []
        for pieces in [false, true] {
            let answers = texts.map { text in
                ScriptedHTTPServer.Answer(text, pausesAt: pieces ? [5, text.utf8.count - 3] : [])
            }
            try await withScriptedServer(answers, settings: settings) { server, transport in
                var described: [String] = []
                for path in ["/a", "/b", "/c"] {
                    let response = try await send(transport, ProviderRequest(method: "GET", url: server.url + path))
                    described.append("\(response.status) \(response.headerFields.pairs.map { "\($0.0)=\($0.1)" }) \(String(decoding: response.body, as: UTF8.self))")
                }
                // All three on one connection: each answer left it clean for the next.
                #expect(server.connections == 1)
                seen.append(described)
            }
        }
        #expect(seen.count == 2 && seen[0] == seen[1])
        #expect(seen.first?.first == "200 [\"Content-Type=application/json\", \"Content-Length=11\", \"X-Quota=7\"] {\"id\":\"ab\"}")
    }
}
