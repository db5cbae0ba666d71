// Every Particeep request must carry a DateTime within the skew window and the matching
// Authorization; anything else is 403 in Particeep's error shape.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HTTPTypes
import Hummingbird

struct ParticeepAuthentication<Context: RequestContext>: RouterMiddleware {
    let apiKey: String
    let apiSecret: String
    let allowedSkew: TimeInterval
    let store: ParticeepStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let dateTime = request.headers[HTTPField.Name("DateTime")!] else {
            throw forbidden("missing DateTime header (ISO 8601 UTC, e.g. 2015-10-19T11:04:18Z)")
        }
        guard let date = ParticeepSignature.date(from: dateTime) else {
            throw forbidden("DateTime '\(dateTime)' is not ISO 8601 UTC with whole seconds, like 2015-10-19T11:04:18Z")
        }
        guard abs(date.timeIntervalSinceNow) <= allowedSkew else {
            throw forbidden("DateTime \(dateTime) is more than \(Int(allowedSkew)) s away from the server's clock")
        }
        guard let authorization = request.headers[.authorization] else {
            throw forbidden("missing Authorization header (PTP:key:signature)")
        }
        let expected = ParticeepSignature.authorization(key: apiKey, secret: apiSecret, dateTime: dateTime)
        guard ParticeepSignature.constantTimeEqual(authorization, expected) else {
            throw forbidden("the Authorization signature does not match this key and DateTime")
        }
        let quota = store.records.withLock { records in
            records.requestCount += 1
            return records.requestCount
        }
        var response = try await next(request, context)
        response.headers[HTTPField.Name("meta-version")!] = "1"
        response.headers[HTTPField.Name("meta-endpoint")!] = request.uri.path
        response.headers[HTTPField.Name("request-quota")!] = String(quota)
        response.headers[HTTPField.Name("request-quotamax")!] = "0"
        return response
    }

    private func forbidden(_ message: String) -> ParticeepError {
        ParticeepError(status: .forbidden, technicalCode: "error.authorization.invalid", message: message)
    }
}
