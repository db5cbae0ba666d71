// `payrun sandbox` running as its own process, as durable runs need it: its providers' state
// outlives the payrun processes a test kills.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

final class SandboxProcess {
    let process = Process()
    /// `http://127.0.0.1:PORT`.
    let url: String

    /// Starts it on a free loopback port and waits for it to say where.
    init(arguments: [String] = []) throws {
        process.executableURL = PayrunProcess.executable
        process.arguments = ["sandbox", "--port", "0", "--quiet"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        while !text.contains("\n") {
            let data = output.fileHandleForReading.availableData
            guard !data.isEmpty else { break }
            text += String(decoding: data, as: UTF8.self)
        }
        guard let range = text.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression) else {
            process.terminate()
            throw SandboxFailure(description: "payrun sandbox did not say where it serves: \(text)")
        }
        url = String(text[range])
    }

    deinit { stop() }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// The requests it received (`/_sandbox/requests`): method, path, status, fault.
    func requests() throws -> [[String: Any]] {
        let data = try Data(contentsOf: URL(string: url + "/_sandbox/requests?limit=1000")!)
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["requests"] as? [[String: Any]] ?? []
    }

    /// Replaces its fault plan (`PUT /_sandbox/faults`).
    func setFaults(_ spec: String) async throws {
        var request = URLRequest(url: URL(string: url + "/_sandbox/faults")!)
        request.httpMethod = "PUT"
        request.httpBody = Data(spec.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else { throw SandboxFailure(description: "the faults '\(spec)' were refused") }
    }

    struct SandboxFailure: Error, CustomStringConvertible {
        let description: String
    }
}
