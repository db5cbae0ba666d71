// Particeep's error bodies, in the shape its official client reads.
import Hummingbird
import PayrunFormats

/// `{"hasError": true, "errors": [{"technicalCode": ..., "message": ...}]}` with a status.
struct ParticeepError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    let technicalCode: String
    let message: String

    func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    func response() -> Response {
        var writer = JSONWriter()
        writer.openObject()
        writer.key("hasError")
        writer.bool(true)
        writer.key("errors")
        writer.openArray()
        writer.openObject()
        writer.field("technicalCode", technicalCode)
        writer.field("message", message)
        writer.closeObject()
        writer.closeArray()
        writer.closeObject()
        return .json(writer.bytes, status: status)
    }

    static func notFound(_ kind: String, _ id: String) -> ParticeepError {
        ParticeepError(status: .notFound, technicalCode: "error.\(kind).none", message: "no \(kind) with id \(id)")
    }

    static func badRequest(_ message: String, code: String = "error.request.invalid") -> ParticeepError {
        ParticeepError(status: .badRequest, technicalCode: code, message: message)
    }
}
