// Notes every request in the journal and, for `payrun sandbox`, logs one line for it: method,
// path, status, time. Headers (which hold credentials) and bodies are never logged.
import Hummingbird
import PayrunFormats

struct RequestRecording: RouterMiddleware {
    typealias Context = SimulatorContext

    let journal: RequestJournal
    let log: (@Sendable (String) -> Void)?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let arrival = UTCTime.now()
        func note(_ status: Int?, fault: String?) {
            let elapsed = ContinuousClock.now - start
            let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            let path = request.uri.path
            if !path.hasPrefix("/_sandbox") {
                journal.record(.init(
                    arrival: arrival, method: request.method.rawValue, path: path, query: request.uri.query,
                    status: status, milliseconds: milliseconds, fault: fault))
            }
            if let log {
                let tenths = Int((milliseconds * 10).rounded())
                let outcome = status.map(String.init) ?? "dropped"
                log("\(request.method) \(path) \(outcome) \(tenths / 10).\(tenths % 10) ms" + (fault.map { " [fault: \($0)]" } ?? ""))
            }
        }
        do {
            let response = try await next(request, context)
            note(response.status.code, fault: response.headers[FaultInjection.injectedHeader])
            return response
        } catch let error as any HTTPResponseError {
            note(error.status.code, fault: nil)
            throw error
        } catch let error as FaultDropped {
            note(nil, fault: "drop")
            try? await error.channel.close()
            throw error
        } catch let error as FaultAnswerLost {
            // Noted as served at once: a test watching /_sandbox/requests sees it applied while
            // the client still waits for the answer that never comes.
            note(error.status, fault: "lose-answer")
            if error.hold > .zero { try? await Task.sleep(for: error.hold) }
            try? await error.channel.close()
            throw error
        }
    }
}
