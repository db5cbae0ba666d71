// The one-pass reading of a plain answer's head, and the reader's steps beside it: a head read
// in one pass says what the steps would, and every head it leaves to them (another framing, a
// status with no body, a malformed line, one not all here) still comes out as the steps read it.
import Foundation
@testable import PayrunProviderKit
@testable import PayrunSimulators
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

    /// Heads made from likely and unlikely lines, then cut and changed a byte at a time: the one
    /// pass takes exactly those the rules below take, and reads them as they do. The rules are
    /// the steps' own, written out the slow way (lines split first, then each looked at).
    @Test func theOnePassAgreesWithTheRulesWrittenOutOnThousandsOfHeads() {
        // Seeded, so a failing head can be made again (the simulators' generator).
        var generator = SeededRandom(seed: 0x5EED_0F_4EAD)
        let statusLines = ["HTTP/1.1 200 OK", "HTTP/1.1 201", "HTTP/1.1 404 Not Found", "HTTP/1.1 204 No Content", "HTTP/1.1 304 x",
                           "HTTP/1.1 101 Switching", "HTTP/1.0 200 OK", "HTTP/1.1 20 OK", "HTTP/2 200", "http/1.1 200 OK", "HTTP/1.1 500 "]
        let headerLines = ["Content-Length: 5", "content-length:5", "CONTENT-LENGTH:\t12 ", "Content-Length: 5, 5", "Content-Length:",
                           "Content-Length: +5", "Content-Length : 5", "Content-Length: 1234567890123456789", "Connection: close",
                           "connection: keep-alive", "Transfer-Encoding: chunked", "X-Quota: 7", "Date: Sat, 05 Dec 2026", ":empty name",
                           "no colon", "X-Empty:", "Content-Lengthy: 3"]
        let ends = ["\r\n", "\n"]
        var taken = 0
        for round in 0..<3_000 {
            // Half of them plain to start with: a good status line, and a length among the lines.
            let plain = generator.next() % 2 == 0
            var text = (plain ? "HTTP/1.1 200 OK" : statusLines[Int(generator.next() % UInt64(statusLines.count))]) + ends[Int(generator.next() % 2)]
            var lines = (0..<Int(generator.next() % 5)).map { _ in headerLines[Int(generator.next() % UInt64(headerLines.count))] }
            if plain { lines = lines.filter { !$0.lowercased().hasPrefix("content-length") && !$0.lowercased().hasPrefix("connection") && !$0.hasPrefix("Transfer") && $0 != "no colon" } + ["Content-Length: 5"] }
            for line in lines { text += line + ends[Int(generator.next() % 2)] }
            text += ends[Int(generator.next() % 2)] + "hello, world"
            var bytes = Array(text.utf8)
            switch round % 4 {
            case 1: bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count + 1))))
            case 2: bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
            default: break
            }
            let limit = round % 5 == 0 ? Int(generator.next() % 96) : 64 << 10
            let found = bytes.withUnsafeBufferPointer { PlainResponseHead.read($0, from: 0, maximumHeadBytes: limit) }
            #expect(found == Self.byTheRules(bytes, limit: limit), "\(String(decoding: bytes, as: UTF8.self).debugDescription), limit \(limit)")
            if found != nil { taken += 1 }
        }
        #expect(taken > 600, "enough of the heads are plain ones for the comparison to mean something: \(taken)")
    }

    /// What the one pass should make of `bytes`: the steps' rules, the slow way.
    static func byTheRules(_ bytes: [UInt8], limit: Int) -> PlainResponseHead? {
        var lines: [(content: ArraySlice<UInt8>, next: Int)] = []
        var from = 0
        // The lines up to and including the empty one, all within the limit.
        while let newline = bytes[from...].firstIndex(of: 0x0A), newline < limit {
            var content = bytes[from..<newline]
            if content.last == 0x0D { content = content.dropLast() }
            lines.append((content, newline + 1))
            from = newline + 1
            if content.isEmpty && lines.count > 1 { break }
        }
        guard lines.count >= 2, lines.last!.content.isEmpty else { return nil }
        let status = String(decoding: lines[0].content, as: UTF8.self)
        let digits = status.dropFirst(9).prefix(3)
        guard status.hasPrefix("HTTP/1.1 "), digits.count == 3, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
              status.count == 12 || status.dropFirst(12).first == " ", let code = Int(digits), code >= 200, code != 204, code != 304
        else { return nil }
        var length: Int?
        for line in lines.dropFirst().dropLast() {
            guard let colon = line.content.firstIndex(of: UInt8(ascii: ":")) else { return nil }
            let name = String(decoding: line.content[..<colon], as: UTF8.self).lowercased()
            if name == "connection" || name == "transfer-encoding" { return nil }
            if name == "content-length" {
                let value = String(decoding: line.content[(colon + 1)...], as: UTF8.self).trimmingCharacters(in: .init(charactersIn: " \t"))
                guard length == nil, (1...18).contains(value.utf8.count), value.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
                length = Int(value)
            }
        }
        guard let length else { return nil }
        return PlainResponseHead(
            status: code, headerLines: lines[0].next..<lines[lines.count - 2].next,
            headerCount: lines.count - 2, contentLength: length, end: lines.last!.next)
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
