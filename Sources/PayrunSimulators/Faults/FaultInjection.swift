// Puts the chosen faults into a simulator's replies. It sits in front of the simulator's own
// checks, as a failing load balancer would, so a fault needs no valid signature.
import HTTPTypes
import Hummingbird
import NIOCore

struct FaultInjection: RouterMiddleware {
    typealias Context = SimulatorContext

    let controller: FaultController
    /// The simulated provider's own error reply for an injected status.
    let errorReply: @Sendable (HTTPResponse.Status, String) -> Response

    static let header = HTTPField.Name("Payrun-Fault")!
    /// Set on every reply a fault changed, so whoever reads the trace knows it was on purpose.
    static let injectedHeader = HTTPField.Name("Payrun-Fault-Injected")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var requested: Fault?
        if let text = request.headers[Self.header] {
            do {
                requested = try FaultPlan.fault(text)
            } catch {
                return errorReply(.badRequest, "the Payrun-Fault header could not be read: \(error.description)")
            }
        }
        let decision = controller.decide(method: request.method.rawValue, path: request.uri.path, requested: requested)
        if decision.isNone { return try await next(request, context) }
        if decision.loseAnswer {
            // Served, so its effect happens; RequestRecording notes it, holds the answer, and
            // closes the connection without it.
            let served = try await next(request, context)
            throw FaultAnswerLost(channel: context.channel, status: served.status.code, hold: decision.latency)
        }
        if decision.latency > .zero { try await Task.sleep(for: decision.latency) }
        if decision.drop {
            // RequestRecording notes it, then closes the connection: a client that sees the drop
            // finds it in /_sandbox/requests already.
            throw FaultDropped(channel: context.channel)
        }
        var response: Response
        if let status = decision.status {
            let code = HTTPResponse.Status(code: status)
            response = errorReply(code, "payrun sandbox: an injected \(status) (a fault on purpose, for testing retries)")
            if let seconds = decision.retryAfter { response.headers[.retryAfter] = String(seconds) }
            response.headers[Self.injectedHeader] = "status=\(status)"
        } else {
            response = try await next(request, context)
        }
        if let slow = decision.slowBody {
            let body = response.body
            response.body = ResponseBody(contentLength: body.contentLength) { writer in
                try await body.write(SlowBodyWriter(base: writer, duration: slow))
            }
            response.headers[Self.injectedHeader] = [response.headers[Self.injectedHeader], "slow"].compactMap { $0 }.joined(separator: " ")
        }
        if decision.latency > .zero, response.headers[Self.injectedHeader] == nil {
            response.headers[Self.injectedHeader] = "latency"
        }
        return response
    }
}

/// A "drop" fault: the connection to close without a reply, once the request is noted.
struct FaultDropped: Error, CustomStringConvertible {
    let channel: any Channel
    var description: String { "connection dropped on purpose" }
}

/// A "lose-answer" fault: the request was served; its answer is held for `hold`, then the
/// connection closes without it.
struct FaultAnswerLost: Error, CustomStringConvertible {
    let channel: any Channel
    let status: Int
    let hold: Duration
    var description: String { "answer lost on purpose" }
}

/// Writes each buffer in eight pieces spread over `duration`.
struct SlowBodyWriter: ResponseBodyWriter {
    var base: any ResponseBodyWriter
    let duration: Duration

    mutating func write(_ buffer: ByteBuffer) async throws {
        var rest = buffer
        let pieceSize = max(1, (buffer.readableBytes + 7) / 8)
        while let piece = rest.readSlice(length: min(pieceSize, rest.readableBytes)), piece.readableBytes > 0 {
            try await Task.sleep(for: duration / 8)
            try await base.write(piece)
        }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await base.finish(trailingHeaders)
    }
}
