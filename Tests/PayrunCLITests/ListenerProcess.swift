// `payrun listen` running as its own process, as a deployment runs it: started on a free port,
// its log read as it comes, stopped with SIGTERM or killed with SIGKILL.
import Foundation
import PayrunLocks
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

final class ListenerProcess: @unchecked Sendable {
    let process = Process()
    /// `http://127.0.0.1:PORT`.
    private(set) var url = ""
    private let log = Locked("")

    /// Starts `payrun listen handlers --port 0 --state state` and waits until it listens.
    init(handlers: String, state: String, port: Int = 0, arguments: [String] = [], environment: [String: String] = [:]) throws {
        process.executableURL = PayrunProcess.executable
        process.arguments = ["listen", handlers, "--port", String(port), "--state", state] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.currentDirectoryURL = PayrunProcess.packageRoot
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let reading = errors.fileHandleForReading
        Thread { [log] in
            while true {
                let data = reading.availableData
                if data.isEmpty { return }
                log.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
        }.start()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let text = log.withLock { $0 }
            if let range = text.range(of: #"listening on http://127\.0\.0\.1:\d+"#, options: .regularExpression) {
                url = String(text[range].dropFirst("listening on ".count))
                return
            }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        process.terminate()
        throw ListenerFailure(description: "payrun listen did not start: \(log.withLock { $0 })")
    }

    deinit { kill() }

    /// What it logged so far.
    var output: String { log.withLock { $0 } }

    /// SIGTERM, and waits for it to end.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// SIGKILL: no time to finish anything.
    func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Waits until `condition` holds of the log, up to `seconds`, sleeping as a task: the
    /// tests share the cooperative pool's few threads.
    func waitForLog(_ seconds: Double = 20, until condition: (String) -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition(output) { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return condition(output)
    }

    struct ListenerFailure: Error, CustomStringConvertible {
        let description: String
    }
}

/// Sends webhooks as providers do.
enum WebhookSender {
    /// POSTs `body` to `url` with `headers`; the status, or nil when there was no answer.
    static func post(_ url: String, body: Data, headers: [(String, String)]) async -> Int? {
        var request = URLRequest(url: URL(string: url)!, timeoutInterval: 10)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        guard let (_, response) = try? await URLSession.shared.data(for: request) else { return nil }
        return (response as? HTTPURLResponse)?.statusCode
    }

    /// Sends events 1...`total` from `senders` tasks, as providers do: each again until it is
    /// answered 2xx, within two minutes, trying the next of `urls` after a failure (a listener
    /// taken out of `urls` gets nothing more: its port may go to another test's listener). Counts
    /// the answers, and the 503s (a store that cannot write) in `refused`.
    static func burst(
        total: Int, senders: Int, urls: Locked<[String]>, answered: Answered, refused: Answered = Answered(),
        body: @escaping @Sendable (Int) -> Data, headers: @escaping @Sendable () -> [(String, String)]
    ) -> [Task<Void, Never>] {
        (0..<senders).map { sender in
            Task.detached {
                var target = sender
                for number in stride(from: sender + 1, through: total, by: senders) {
                    let deadline = Date().addingTimeInterval(120)
                    while Date() < deadline {
                        let live = urls.withLock { $0 }
                        let status = await post(live[target % live.count], body: body(number), headers: headers())
                        if let status, (200..<300).contains(status) {
                            answered.add()
                            break
                        }
                        if status == 503 { refused.add() }
                        target += 1
                        try? await Task.sleep(for: .milliseconds(50))
                    }
                }
            }
        }
    }

    /// GETs `url`: the status and the body.
    static func get(_ url: String) async -> (status: Int, body: String)? {
        guard let (data, response) = try? await URLSession.shared.data(from: URL(string: url)!),
              let status = (response as? HTTPURLResponse)?.statusCode
        else { return nil }
        return (status, String(decoding: data, as: UTF8.self))
    }
}
