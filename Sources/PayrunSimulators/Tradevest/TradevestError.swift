// Tradevest's error bodies (providers.md §2): `{message, responseType, requestId,
// validationString, errorCode, errorDetails: [{field, errors: [{code, parameter, message}]}]}`.
import Hummingbird
import PayrunFormats

struct TradevestError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    let errorCode: String
    let message: String
    /// Field name → (code, message) for each failed check.
    var fields: [(String, String, String)] = []

    func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    func response() -> Response {
        var writer = JSONWriter()
        writer.openObject()
        writer.field("message", message)
        writer.field("responseType", errorCode == "VALIDATION_ERROR" ? "VALIDATION_ERROR" : "ERROR")
        writer.field("requestId", OperationIDs.next())
        writer.field("errorCode", errorCode)
        if !fields.isEmpty {
            writer.field("validationString", fields.map { "\($0.0): \($0.2)" }.joined(separator: "; "))
            writer.key("errorDetails")
            writer.openArray()
            for (field, code, text) in fields {
                writer.openObject()
                writer.field("field", field)
                writer.key("errors")
                writer.openArray()
                writer.openObject()
                writer.field("code", code)
                writer.field("parameter", field)
                writer.field("message", text)
                writer.closeObject()
                writer.closeArray()
                writer.closeObject()
            }
            writer.closeArray()
        }
        writer.closeObject()
        return .json(writer.bytes, status: status)
    }

    static func validation(_ fields: [(String, String, String)]) -> TradevestError {
        TradevestError(status: .badRequest, errorCode: "VALIDATION_ERROR", message: "The request is not valid", fields: fields)
    }

    static func notFound(_ what: String, _ id: String) -> TradevestError {
        TradevestError(status: .notFound, errorCode: "NOT_FOUND", message: "No \(what) with id \(id)")
    }

    static func unauthorized(_ message: String) -> TradevestError {
        TradevestError(status: .unauthorized, errorCode: "UNAUTHORIZED", message: message)
    }
}
