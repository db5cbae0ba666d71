// The plain-HTTP client a script's thread sends with, against a server that answers with bytes
// written here: the bodies HTTP/1.1 allows, connections the server ends, answers that are not
// HTTP, headers that cannot be sent, and a stop while the server is silent.
import Foundation
import PayrunLocks
@testable import PayrunProviderKit
import PayrunTestSupport
import Testing

@Suite struct PlainHTTPClientTests {
    @Test func chunkedBodiesAndBodiesThatRunToTheCloseAreReadWhole() async throws {
        let answers: [ScriptedHTTPServer.Answer] = [
            .init("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\n"),
            .init("HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\n\r\nto the end", closes: true),
            .init("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
            .init("HTTP/1.1 204 No Content\r\n\r\n"),
        ]
        // A lifetime no loaded machine reaches between these requests: the reuse counted below
        // must not depend on the clock.
        var settings = HTTPSettings()
        settings.idleConnectionLifetime = .seconds(600)
        try await withScriptedServer(answers, settings: settings) { server, transport in
            let chunked = try await send(transport, ProviderRequest(method: "GET", url: server.url + "/a?x=1#fragment"))
            #expect(chunked.status == 200 && String(decoding: chunked.body, as: UTF8.self) == "hello, world")
            let toTheClose = try await send(transport, ProviderRequest(method: "POST", url: server.url + "/b", body: Array("{}".utf8)))
            #expect(toTheClose.status == 201 && String(decoding: toTheClose.body, as: UTF8.self) == "to the end")
            #expect(toTheClose.header("content-type") == "text/plain")
            let next = try await send(transport, ProviderRequest(method: "GET", url: server.url))
            #expect(String(decoding: next.body, as: UTF8.self) == "ok")
            let empty = try await send(transport, ProviderRequest(method: "DELETE", url: server.url + "/c"))
            #expect(empty.status == 204 && empty.body.isEmpty)
            // The first connection carried the chunked answer and the next request; the body that
            // ran to the close ended it, so the third request needed a new one, kept for the fourth.
            #expect(server.connections == 2)
            let heads = server.requests
            #expect(heads.count == 4)
            #expect(heads[0].hasPrefix("GET /a?x=1 HTTP/1.1\r\n") && heads[0].contains("\r\nHost: 127.0.0.1:\(server.port)\r\n"))
            #expect(heads[1].hasPrefix("POST /b HTTP/1.1\r\n") && heads[1].contains("\r\nContent-Length: 2\r\n"))
            #expect(heads[2].hasPrefix("GET / HTTP/1.1\r\n"))
        }
    }

    @Test func aConnectionsReadBufferCarriesNothingFromOneAnswerToTheNext() async throws {
        // A connection keeps the buffer its last answer was read into for its next one, unless
        // a long body made it too large to keep: each body still comes whole and alone.
        let long = String(repeating: "a", count: 20_000), longer = String(repeating: "b", count: 300_000)
        let answers: [ScriptedHTTPServer.Answer] = [
            .init("HTTP/1.1 200 OK\r\nContent-Length: 20000\r\n\r\n" + long),
            .init("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
            .init("HTTP/1.1 200 OK\r\nContent-Length: 300000\r\n\r\n" + longer),
            .init("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nend\r\n0\r\n\r\n"),
        ]
        var settings = HTTPSettings()
        settings.idleConnectionLifetime = .seconds(600)
        try await withScriptedServer(answers, settings: settings) { server, transport in
            var bodies: [String] = []
            for path in ["/1", "/2", "/3", "/4"] {
                bodies.append(String(decoding: try await send(transport, ProviderRequest(method: "GET", url: server.url + path)).body, as: UTF8.self))
            }
            #expect(bodies[0] == long)
            #expect(bodies[1] == "ok")
            #expect(bodies[2] == longer)
            #expect(bodies[3] == "end")
            #expect(server.connections == 1)
        }
    }

    @Test func aConnectionTheServerClosedWhileIdleIsNotUsedAgain() async throws {
        // The server sends a 408 unasked 50 ms after its answer, and closes: the client notices
        // before sending on the connection again, so even a create that may not be resent goes
        // out once, on a new connection, and is not answered by the 408.
        let answered = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        let answers: [ScriptedHTTPServer.Answer] = [
            .init(answered + "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", closes: true, pausesAt: [answered.utf8.count]),
            .init("HTTP/1.1 201 Created\r\nContent-Length: 7\r\n\r\ncreated"),
        ]
        // However soon after its last answer: only a GET or HEAD goes out on a connection unchecked.
        var settings = HTTPSettings()
        settings.uncheckedReuseTime = .seconds(600)
        try await withScriptedServer(answers, settings: settings) { server, transport in
            _ = try await send(transport, ProviderRequest(method: "GET", url: server.url + "/first"))
            try await Task.sleep(for: .milliseconds(500))
            let created = try await send(transport, ProviderRequest(method: "POST", url: server.url + "/payouts", body: Array("{}".utf8)))
            #expect(created.status == 201)
            #expect(server.connections == 2 && server.requests.count == 2)
        }
    }

    @Test func onlyAnHTTPSchemeInAnyCaseOfItsLettersIsSentPlain() {
        #expect(PlainHTTPClient.destination(of: "HTTP://127.0.0.1:8080/x")?.target == "/x")
        #expect(PlainHTTPClient.destination(of: "hTtP://localhost/")?.port == 80)
        // Control bytes that differ from `:` and `/` only in the bit that folds a letter's case.
        #expect(PlainHTTPClient.destination(of: "http\u{1a}//127.0.0.1:8080/x") == nil)
        #expect(PlainHTTPClient.destination(of: "http:\u{0f}/127.0.0.1:8080/x") == nil)
    }

    @Test(arguments: ["GET", "HEAD"])
    func aReadMeetingAClosedKeptConnectionGoesOnceMoreOnANewOne(method: String) async throws {
        // The next request goes out on the kept connection unchecked (a reuse time no machine
        // outlasts); the server reads it and closes without answering, as one closing an idle
        // connection just then would. It is sent once more, on a new connection.
        let answers: [ScriptedHTTPServer.Answer] = [
            .init("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst"),
            .init("", closes: true),
            .init("HTTP/1.1 200 OK\r\nContent-Length: 6\r\nX-Answer: second\r\n\r\n" + (method == "HEAD" ? "" : "second")),
        ]
        var settings = HTTPSettings()
        settings.idleConnectionLifetime = .seconds(600)
        settings.uncheckedReuseTime = .seconds(600)
        try await withScriptedServer(answers, settings: settings) { server, transport in
            _ = try await send(transport, ProviderRequest(method: "GET", url: server.url + "/first"))
            let second = try await send(transport, ProviderRequest(method: method, url: server.url + "/second"))
            #expect(second.status == 200 && second.header("x-answer") == "second")
            #expect(second.body == (method == "HEAD" ? [] : Array("second".utf8)))
            #expect(server.connections == 2)
            let requests = server.requests
            #expect(requests.count == 3 && requests[1].hasPrefix("\(method) /second ") && requests[1] == requests[2])
        }
    }

    @Test(arguments: [
        ProviderRequest(method: "POST", url: "/payouts", body: Array("{}".utf8)),
        ProviderRequest(method: "GET", url: "/exports/7", retrySafety: .unsafe),
    ])
    func anythingElseMeetingAClosedKeptConnectionIsNotSentAgain(request: ProviderRequest) async throws {
        // The same close, for a request that may change something, or a read the provider says
        // must not be repeated: it fails, as possibly received, and is not sent again.
        let answers: [ScriptedHTTPServer.Answer] = [
            .init("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst"),
            .init("", closes: true),
            .init("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"),
        ]
        var settings = HTTPSettings()
        settings.idleConnectionLifetime = .seconds(600)
        settings.uncheckedReuseTime = .seconds(600)
        try await withScriptedServer(answers, settings: settings) { server, transport in
            _ = try await send(transport, ProviderRequest(method: "GET", url: server.url + "/first"))
            var sent = request
            sent.url = server.url + request.url
            await #expect {
                try await send(transport, sent)
            } throws: { error in
                guard let error = error as? TransportError, case .connectionLost = error else { return false }
                return error.mayHaveBeenSent
            }
            #expect(server.requests.count == 2 && server.connections == 1)
        }
    }

    @Test(arguments: [
        // HTTP/1.1 keeps the connection unless told to close; HTTP/1.0 closes it unless asked to keep it.
        ("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok", true),
        ("HTTP/1.1 200 OK\r\nConnection: Upgrade, Close\r\nContent-Length: 2\r\n\r\nok", false),
        ("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", false),
        ("HTTP/1.0 200 OK\r\nConnection:  Keep-Alive \r\nContent-Length: 2\r\n\r\nok", true),
        ("HTTP/1.0 200 OK\r\nConnection: close\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", false),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", true),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\nok\r\n0\r\n\r\n", false),
        // A list's empty items are ignored (RFC 9110 §5.6.1.2).
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: , chunked,\r\n\r\n2\r\nok\r\n0\r\n\r\n", true),
        ("HTTP/1.1 200 OK\r\nConnection: ,, close ,\r\nContent-Length: 2\r\n\r\nok", false),
    ])
    func theFramingHeadersSayWhetherTheConnectionIsKept(answer: String, kept: Bool) async throws {
        let answers: [ScriptedHTTPServer.Answer] = [.init(answer), .init("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext")]
        // A kept connection is not aged out however long a loaded machine takes between the two.
        var settings = HTTPSettings()
        settings.idleConnectionLifetime = .seconds(600)
        try await withScriptedServer(answers, settings: settings) { server, transport in
            let first = try await send(transport, ProviderRequest(method: "GET", url: server.url + "/first"))
            #expect(first.status == 200 && first.body == Array("ok".utf8))
            let second = try await send(transport, ProviderRequest(method: "GET", url: server.url + "/second"))
            #expect(second.body == Array("next".utf8))
            #expect(server.connections == (kept ? 1 : 2))
        }
    }

    @Test func aStatusLineIsReadByRFC9112sGrammar() {
        let read = { (line: String) in PlainHTTPResponseReader.versionAndStatus(of: Array(line.utf8)[...]).map { [$0.0, $0.1] } }
        #expect(read("HTTP/1.1 200") == [1, 200])
        #expect(read("HTTP/1.0 404 Not Found") == [0, 404])
        #expect(read("HTTP/1.1 503 ") == [1, 503])
        for refused in ["HTTP/1.1 20", "HTTP/1.1 2000", "HTTP/1.1  200", "HTTP/2.0 200", "HTTP/1.x 200", "HTTP/1.1 2a0",
                        "http/1.1 200", "HTTP/1.1 200\tOK", "HTTP/1.10 200", "", "HTTP/1.1"] {
            #expect(read(refused) == nil, "\(refused)")
        }
    }

    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "a header line without ':'"),
        ("SMTP ready\r\n\r\n", "not an HTTP/1.x status line"),
        ("HTTP/1.1 200 OK\r\nContent-Length: many\r\n\r\n", "a Content-Length that is not one number"),
        ("HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok", "a Content-Length that is not one number"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", "a Content-Length that is not one number"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 2, 02\r\n\r\nok", "a Content-Length that is not one number"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 2,\r\n\r\nok", "a Content-Length that is not one number"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 1234567890123456789\r\n\r\nok", "a Content-Length that is not one number"),
        ("HTTP/1.10 200 OK\r\nContent-Length: 2\r\n\r\nok", "not an HTTP/1.x status line"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "a chunk size that is not a hexadecimal number"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nA\r\n7fffffffffffffff\r\n", "a chunk size that is not a hexadecimal number"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "before the response ended"),
        ("", "without answering"),
    ])
    func anAnswerThatIsNotHTTPIsALostConnectionNamed(answer: String, reason: String) async throws {
        try await withScriptedServer([.init(answer, closes: true)]) { server, transport in
            await #expect {
                try await send(transport, ProviderRequest(method: "GET", url: server.url + "/x"))
            } throws: { error in
                guard case TransportError.connectionLost(let text) = error else { return false }
                // What the server sent is never quoted: it may be part of another answer.
                return text.contains(reason) && !text.contains("SMTP") && !text.contains("zz") && !text.contains("many")
            }
        }
    }

    @Test func answersPastTheCapAreRefusedBeforeTheyAreRead() async throws {
        var settings = HTTPSettings()
        settings.maximumResponseBytes = 100
        let big = String(repeating: "x", count: 150)
        let answers: [ScriptedHTTPServer.Answer] = [
            .init("HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n"),
            .init("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n96\r\n\(big)\r\n0\r\n\r\n"),
            // A size near Int.max after a first chunk: refused, not added up until it overflows.
            .init("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nA\r\nfffffffffffffff\r\n"),
            .init("HTTP/1.1 200 OK\r\n\r\n\(big)", closes: true),
            // All of it in one write, the head plain: refused before it is copied out.
            .init("HTTP/1.1 200 OK\r\nContent-Length: 150\r\n\r\n\(big)"),
        ]
        try await withScriptedServer(answers, settings: settings) { server, transport in
            for _ in 0..<5 {
                await #expect(throws: TransportError.tooLarge(limit: 100)) {
                    try await send(transport, ProviderRequest(method: "GET", url: server.url + "/big"))
                }
            }
        }
    }

    @Test func headersHTTPCannotCarryAreNeverSentNorQuoted() async throws {
        try await withScriptedServer([.init("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")]) { server, transport in
            for header in [("X-Token", "secret-1\r\nX-Injected: yes"), ("Bad Name", "v"), ("X-Nul", "a\u{0}b")] {
                await #expect {
                    try await send(transport, ProviderRequest(method: "GET", url: server.url, headers: [header]))
                } throws: { error in
                    guard case TransportError.unsendable(let text) = error else { return false }
                    return !text.contains("secret-1")
                }
            }
            await #expect(throws: TransportError.unsendable("the URL cannot be sent")) {
                try await send(transport, ProviderRequest(method: "GET", url: server.url + "/a b"))
            }
            #expect(server.requests.isEmpty)
        }
    }

    /// The head is checked eight bytes at a time: each byte HTTP refuses is found wherever it
    /// stands, in a word or in the last few bytes, and any other byte (UTF-8 among them) goes.
    @Test(arguments: 0..<20)
    func everyRefusedByteIsFoundWhereverItStands(position: Int) throws {
        let destination = try #require(PlainHTTPClient.destination(of: "http://127.0.0.1:8080/"))
        let padding = String(repeating: "a", count: position)
        let fine = ProviderRequest(method: "GET", url: "http://127.0.0.1:8080/\(padding)é~!", headers: [("X-Value", "\(padding)é\t~\u{7f}")])
        let head = try RequestHead.bytes(of: fine, to: try #require(PlainHTTPClient.destination(of: fine.url)))
        #expect(String(decoding: head, as: UTF8.self).hasPrefix("GET /\(padding)é~! HTTP/1.1\r\nX-Value: \(padding)é\t~\u{7f}\r\n"))
        for refused in ["\r", "\n", "\u{0}"] {
            let request = ProviderRequest(method: "GET", url: "http://127.0.0.1:8080/", headers: [("X-Value", padding + refused + "tail")])
            #expect(throws: TransportError.self) { try RequestHead.bytes(of: request, to: destination) }
        }
        for refused in [" ", "\t", "\u{1}", "\u{7f}"] {
            let url = "http://127.0.0.1:8080/" + padding + refused + "tail"
            let target = try #require(PlainHTTPClient.destination(of: url))
            #expect(throws: TransportError.unsendable("the URL cannot be sent")) {
                try RequestHead.bytes(of: ProviderRequest(method: "GET", url: url), to: target)
            }
        }
    }

    /// The head is measured before it is written: each shape of it comes out whole.
    @Test(arguments: [
        (ProviderRequest(method: "GET", url: "http://127.0.0.1:8080/a?b=1#f"), "GET /a?b=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"),
        (ProviderRequest(method: "GET", url: "http://127.0.0.1:8080?x"), "GET /?x HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"),
        (ProviderRequest(method: "GET", url: "http://localhost"), "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"),
        (ProviderRequest(method: "POST", url: "http://[::1]:9/p"), "POST /p HTTP/1.1\r\nHost: [::1]:9\r\nContent-Length: 0\r\n\r\n"),
        (ProviderRequest(method: "PUT", url: "http://127.0.0.1/p", headers: [("X-Empty", "")], body: Array("{}".utf8)),
         "PUT /p HTTP/1.1\r\nX-Empty: \r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n"),
        (ProviderRequest(method: "PATCH", url: "http://127.0.0.1/p", headers: [("host", "h.test"), ("CONTENT-LENGTH", "7")], body: Array("1234567".utf8)),
         "PATCH /p HTTP/1.1\r\nhost: h.test\r\nCONTENT-LENGTH: 7\r\n\r\n"),
    ])
    func theHeadIsWrittenAsMeasured(request: ProviderRequest, head: String) throws {
        let destination = try #require(PlainHTTPClient.destination(of: request.url))
        #expect(String(decoding: try RequestHead.bytes(of: request, to: destination), as: UTF8.self) == head)
    }

    /// A URL whose authority holds what a `Host` header cannot carry is not sent plain.
    @Test func anAuthorityWithControlBytesIsNotAPlainDestination() {
        #expect(PlainHTTPClient.destination(of: "http://127.0.0.1\u{0}\r\nX-Injected: 1/") == nil)
        #expect(PlainHTTPClient.destination(of: "http://127.0.0.1 :80/") == nil)
        #expect(PlainHTTPClient.destination(of: "http://127.0.0.1:80/")?.hostHeader == "127.0.0.1:80")
    }

    /// A method or header name may hold RFC 9110's `tchar` and nothing else.
    @Test func onlyTokenCharactersMakeANameOrAMethod() throws {
        let destination = try #require(PlainHTTPClient.destination(of: "http://127.0.0.1:8080/"))
        let tchar = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".unicodeScalars)
        for code in UInt32(0)...0xFF {
            let scalar = try #require(Unicode.Scalar(code))
            let name = "X" + String(scalar)
            let named = ProviderRequest(method: "GET", url: "http://127.0.0.1:8080/", headers: [(name, "v")])
            let sent = (try? RequestHead.bytes(of: named, to: destination)) != nil
            #expect(sent == tchar.contains(scalar), "\(code)")
        }
    }

    @Test func aStopEndsTheWaitForASilentServerAtOnce() async throws {
        // The server reads the request and never answers; the read timeout is 30 s.
        try await withScriptedServer([.init("")]) { server, transport in
            let start = ContinuousClock.now
            let stop = BlockingIO.StopCheck { ContinuousClock.now - start > .milliseconds(300) }
            // Timed on the waiting thread itself: the test's own task may resume late on a loaded
            // machine, the waiting thread may not.
            let waited = Locked<Duration?>(nil)
            let request = ProviderRequest(method: "GET", url: server.url + "/slow")
            await #expect {
                try await WaitingThread.run(hearing: stop) {
                    defer { waited.withLock { $0 = ContinuousClock.now - start } }
                    return try await transport.send(request)
                }
            } throws: { error in
                error as? TransportError == .stopped(sent: true)
            }
            // Heard within a poll slice (50 ms), not when the read timeout ends: a bound of 5 s
            // leaves room for a loaded machine.
            let elapsed = waited.withLock { $0 } ?? .seconds(3600)
            #expect(elapsed < .seconds(5))
        }
    }

    @Test func aStopAskedForBeforeSendingSendsNothing() async throws {
        try await withScriptedServer([.init("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")]) { server, transport in
            await #expect(throws: TransportError.stopped(sent: false)) {
                try await send(transport, ProviderRequest(method: "POST", url: server.url + "/payouts", body: []), stop: BlockingIO.StopCheck { true })
            }
            #expect(!TransportError.stopped(sent: false).isTransient, "a stop is never retried")
            #expect(server.requests.isEmpty)
        }
    }

    @Test func aConnectionIdleForLongerThanItsLifetimeIsNotReused() async throws {
        // Reuse within the lifetime is shown by the chunked test; here only what holds however
        // slow the machine is: idle past the lifetime, a request takes a new connection.
        var settings = HTTPSettings()
        settings.idleConnectionLifetime = .milliseconds(200)
        let answer = ScriptedHTTPServer.Answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        try await withScriptedServer([answer, answer], settings: settings) { server, transport in
            _ = try await send(transport, ProviderRequest(method: "GET", url: server.url + "/1"))
            try await Task.sleep(for: .milliseconds(400))
            _ = try await send(transport, ProviderRequest(method: "POST", url: server.url + "/2", body: []))
            #expect(server.connections == 2)
        }
    }

    @Test func aReadTimeoutAndARefusedConnectionAreTheTransportsErrors() async throws {
        var settings = HTTPSettings()
        settings.readTimeout = .milliseconds(200)
        try await withScriptedServer([.init("")], settings: settings) { server, transport in
            await #expect(throws: TransportError.timedOut("no data within the read timeout")) {
                try await send(transport, ProviderRequest(method: "GET", url: server.url + "/silent"))
            }
            await #expect {
                try await send(transport, ProviderRequest(method: "GET", url: "http://127.0.0.1:1/"))
            } throws: { error in
                guard case TransportError.connect = error else { return false }
                return !(error as! TransportError).mayHaveBeenSent
            }
        }
    }

    @Test func requestsFromOneThreadOverlapOnItsReactor() async throws {
        // No answer goes out before all sixteen requests came: sent one at a time, as a thread
        // blocking on each would, the first would wait for the others until its read timeout.
        let answers = (0..<16).map { _ in ScriptedHTTPServer.Answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") }
        var settings = HTTPSettings()
        settings.readTimeout = .seconds(15)
        try await withScriptedServer(answers, answersAfter: 16, settings: settings) { server, transport in
            let bodies = try await WaitingThread.run(reacting: true) {
                // The group's tasks run on the reacting thread too: they inherit its executor.
                try await withThrowingTaskGroup(of: String.self) { group in
                    for index in 0..<16 {
                        group.addTask {
                            let response = try await transport.send(ProviderRequest(method: "GET", url: server.url + "/\(index)"))
                            return String(decoding: response.body, as: UTF8.self)
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            #expect(bodies == Array(repeating: "ok", count: 16))
            #expect(server.connections == 16)
        }
    }

    @Test func eachServersConnectionIsKeptForItAlone() async throws {
        let answers = (0..<3).map { _ in ScriptedHTTPServer.Answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") }
        let first = try ScriptedHTTPServer(answers: answers)
        let second = try ScriptedHTTPServer(answers: answers)
        defer {
            first.stop()
            second.stop()
        }
        var settings = HTTPSettings()
        settings.idleConnectionLifetime = .seconds(600)
        let transport = try HTTPTransport(settings: settings)
        do {
            // Taken in turns: the server asked last changes at every request.
            for server in [first, second, first, second, first, second] {
                let response = try await send(transport, ProviderRequest(method: "GET", url: server.url + "/"))
                #expect(response.body == Array("ok".utf8))
            }
        } catch {
            await transport.shutdown()
            throw error
        }
        await transport.shutdown()
        #expect(first.connections == 1 && second.connections == 1)
        #expect(first.requests.count == 3 && second.requests.count == 3)
    }

    @Test func aBodyLargerThanTheSocketTakesAtOnceGoesOutWholeAndOnce() async throws {
        // Megabytes: more than a loopback socket takes in one send, so the write goes on when
        // there is room, from where it stopped, both blocking and on a reactor.
        let body = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }
        let answers = (0..<2).map { _ in ScriptedHTTPServer.Answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") }
        // The reuse counted below must not depend on how loaded the machine is.
        var settings = HTTPSettings()
        settings.idleConnectionLifetime = .seconds(600)
        try await withScriptedServer(answers, settings: settings) { server, transport in
            let blocking = try await send(transport, ProviderRequest(method: "POST", url: server.url + "/big", body: body))
            #expect(blocking.status == 200 && blocking.body == Array("ok".utf8))
            let reacting = try await WaitingThread.run(reacting: true) {
                try await transport.send(ProviderRequest(method: "POST", url: server.url + "/big", body: body))
            }
            #expect(reacting.status == 200 && reacting.body == Array("ok".utf8))
            let bodies = server.bodies
            #expect(bodies.count == 2 && bodies.allSatisfy { $0 == body })
            // Nothing past the body was sent: the connection carried both.
            #expect(server.connections == 1)
        }
    }

    @Test func requestsWaitingOnAnAbandonedReactorEndAsStoppedAtOnce() async throws {
        // The server holds its answers for 60 s; the thread stops waiting once four requests are
        // out. Its reactor is abandoned then, and each request ends as stopped after sending:
        // not answered 60 s later, nor timed out (as AsyncHTTPClient's requests would be).
        let answers = (0..<4).map { _ in ScriptedHTTPServer.Answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") }
        var settings = HTTPSettings()
        settings.readTimeout = .seconds(60)
        try await withScriptedServer(answers, answersAfter: 1000, settings: settings) { server, transport in
            let outcomes = Locked<[TransportError]>([])
            let stop = BlockingIO.StopCheck { server.requests.count >= 4 }
            _ = try? await WaitingThread.run(hearing: stop, reacting: true) {
                await withTaskGroup(of: Void.self) { group in
                    for index in 0..<4 {
                        group.addTask {
                            do throws(TransportError) {
                                _ = try await transport.send(ProviderRequest(method: "POST", url: server.url + "/payouts/\(index)", body: []))
                            } catch {
                                outcomes.withLock { $0.append(error) }
                            }
                        }
                    }
                }
            }
            let given = ContinuousClock.now + .seconds(10)
            while outcomes.withLock({ $0.count }) < 4 && ContinuousClock.now < given { try await Task.sleep(for: .milliseconds(10)) }
            #expect(outcomes.withLock { $0 } == Array(repeating: .stopped(sent: true), count: 4))
        }
    }
}
