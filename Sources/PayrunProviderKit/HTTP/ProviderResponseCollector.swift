// Collects an AsyncHTTPClient response straight into a ProviderResponse: its body parts copied
// once into an array sized by Content-Length. AsyncHTTPClient's ResponseAccumulator grows a
// ByteBuffer part by part (a page of 166 KB came in several, each growth a copy), and the
// ByteBuffer was then copied again into the array a ProviderResponse holds.
import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import PayrunLocks

/// The delegate of one AsyncHTTPClient request, refusing a body past `maximumBodyBytes` as
/// ``ResponseAccumulator`` does (with its ``ResponseAccumulator/ResponseTooBigError``).
final class ProviderResponseCollector: HTTPClientResponseDelegate, Sendable {
    typealias Response = ProviderResponse

    private struct State {
        var status = 0
        var headers: [(String, String)] = []
        var body: [UInt8] = []
        var error: (any Error)?
    }

    private let state = Locked(State())
    private let maximumBodyBytes: Int
    private let isHead: Bool

    init(maximumBodyBytes: Int, isHead: Bool) {
        self.maximumBodyBytes = maximumBodyBytes
        self.isHead = isHead
    }

    func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        let announced = isHead ? nil : head.headers.first(name: "Content-Length").flatMap { Int($0) }
        if let announced, announced > maximumBodyBytes {
            let error = ResponseAccumulator.ResponseTooBigError(maxBodySize: maximumBodyBytes)
            state.withLock { $0.error = error }
            return task.eventLoop.makeFailedFuture(error)
        }
        state.withLock { state in
            state.status = Int(head.status.code)
            state.headers = head.headers.map { ($0.name, $0.value) }
            // Room for what is announced, up to 1 MB: a server announcing the cap and sending
            // little has no more than that set aside for it.
            if let announced, announced > 0 { state.body.reserveCapacity(min(announced, 1 << 20)) }
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let fits = state.withLock { state -> Bool in
            guard state.error == nil else { return true }
            guard buffer.readableBytes <= maximumBodyBytes - state.body.count else {
                state.error = ResponseAccumulator.ResponseTooBigError(maxBodySize: maximumBodyBytes)
                return false
            }
            buffer.withUnsafeReadableBytes { state.body.append(contentsOf: $0) }
            return true
        }
        return fits ? task.eventLoop.makeSucceededVoidFuture()
            : task.eventLoop.makeFailedFuture(ResponseAccumulator.ResponseTooBigError(maxBodySize: maximumBodyBytes))
    }

    func didReceiveError(task: HTTPClient.Task<Response>, _ error: any Error) {
        state.withLock { $0.error = error }
    }

    func didFinishRequest(task: HTTPClient.Task<Response>) throws -> Response {
        let state = state.withLock { state in
            defer { state = State() }
            return state
        }
        if let error = state.error { throw error }
        return ProviderResponse(status: state.status, headers: state.headers, body: state.body)
    }
}
