// In front of every Particeep route: the DateTime and Authorization checks (403 in Particeep's
// error shape), the monthly request quota, and the metadata headers Particeep puts on every
// response, errors included.
import HTTPTypes
import Hummingbird
import PayrunFormats

struct ParticeepGateway: RouterMiddleware {
    typealias Context = SimulatorContext

    let configuration: ParticeepSimulator.Configuration
    let store: ParticeepStore
    let signer: ParticeepSigner

    init(configuration: ParticeepSimulator.Configuration, store: ParticeepStore) {
        self.configuration = configuration
        self.store = store
        signer = ParticeepSigner(key: configuration.apiKey, secret: configuration.apiSecret)
    }

    private static let dateTime = HTTPField.Name("DateTime")!
    private static let debugEnabled = HTTPField.Name("Info-Debug-Enabled")!
    private static let metaVersion = HTTPField.Name("meta-version")!
    private static let metaEndpoint = HTTPField.Name("meta-endpoint")!
    private static let quota = HTTPField.Name("request-quota")!
    private static let quotaMax = HTTPField.Name("request-quotamax")!
    private static let debugRequestTime = HTTPField.Name("debug-request-time")!
    private static let debugResponseTime = HTTPField.Name("debug-response-time")!
    private static let debugTimeOnServer = HTTPField.Name("debug-time-on-server")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let received = Self.milliseconds()
        var response: Response
        var count: Int?
        do {
            try authenticate(request)
            count = try countRequest()
            response = try await next(request, context)
        } catch let error as ParticeepError {
            response = error.response()
        }
        response.headers[Self.metaVersion] = "1"
        response.headers[Self.metaEndpoint] = "/v1" + request.uri.path.dropFirst(ParticeepSimulator.pathPrefix.count)
        response.headers[Self.quota] = String(count ?? store.state.withLock { $0.requestCount })
        response.headers[Self.quotaMax] = String(configuration.requestQuotaMax)
        if request.headers[Self.debugEnabled] != nil {
            let sent = Self.milliseconds()
            response.headers[Self.debugRequestTime] = String(received)
            response.headers[Self.debugResponseTime] = String(sent)
            response.headers[Self.debugTimeOnServer] = String(sent - received)
        }
        return response
    }

    private func authenticate(_ request: Request) throws(ParticeepError) {
        guard let dateTime = request.headers[Self.dateTime] else {
            throw forbidden("missing DateTime header (ISO 8601 UTC, e.g. 2015-10-19T11:04:18Z)")
        }
        guard let seconds = UTCTime.seconds(from: dateTime) else {
            throw forbidden("DateTime '\(dateTime)' is not ISO 8601 UTC with whole seconds, like 2015-10-19T11:04:18Z")
        }
        guard abs(seconds - UTCTime.now()) <= configuration.allowedSkewSeconds else {
            throw forbidden("DateTime \(dateTime) is more than \(configuration.allowedSkewSeconds) s away from the server's clock; sign with the current time")
        }
        guard let authorization = request.headers[.authorization] else {
            throw forbidden("missing Authorization header (PTP:key:signature)")
        }
        guard ParticeepSigner.constantTimeEqual(authorization, signer.authorization(dateTime: dateTime)) else {
            throw forbidden("the Authorization signature does not match this key and DateTime")
        }
    }

    /// Counts the request against the month's quota, refusing it once the quota is spent.
    private func countRequest() throws(ParticeepError) -> Int {
        let quotaMax = configuration.requestQuotaMax
        let count = store.state.withLock { state in
            state.requestCount += 1
            return state.requestCount
        }
        if quotaMax > 0, count > quotaMax {
            throw ParticeepError(
                status: .tooManyRequests, technicalCode: "error.quota.exceeded",
                message: "this key has used its \(quotaMax) requests for the month (request-quotamax)")
        }
        return count
    }

    private func forbidden(_ message: String) -> ParticeepError {
        ParticeepError(status: .forbidden, technicalCode: "error.authorization.invalid", message: message)
    }

    private static func milliseconds() -> Int {
        return Int((UTCTime.nowPrecise() * 1000).rounded(.down))
    }
}
