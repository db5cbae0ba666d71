// Every simulator answers JSON the same way.
import Hummingbird

extension Response {
    /// `bytes` as an `application/json` reply.
    static func json(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
