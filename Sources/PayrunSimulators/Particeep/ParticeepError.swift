// Particeep's error bodies, in the shape its official client reads.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird

/// `{"hasError": true, "errors": [{"technicalCode": ..., "message": ...}]}` with a status.
struct ParticeepError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    let technicalCode: String
    let message: String

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body: JSONValue = .object([
            "hasError": .bool(true),
            "errors": .array([.object(["technicalCode": .string(technicalCode), "message": .string(message)])]),
        ])
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: Array(body.encoded()))))
    }

    static func notFound(_ kind: String, _ id: String) -> ParticeepError {
        ParticeepError(status: .notFound, technicalCode: "error.\(kind).none", message: "no \(kind) with id \(id)")
    }

    static func badRequest(_ message: String, code: String = "error.request.invalid") -> ParticeepError {
        ParticeepError(status: .badRequest, technicalCode: code, message: message)
    }
}
