// A Particeep client written for the tests, with its own signer, so that a bug shared with the
// simulator's signing code cannot hide.
import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

struct ParticeepClient {
    let baseURL: String
    var key = "sandbox-particeep-key"
    var secret = "sandbox-particeep-secret"

    /// providers.md §1, from the document's words: base64 of the lower-case hex of
    /// HMAC-SHA1(secret, secret + key + DateTime).
    static func sign(key: String, secret: String, dateTime: String) -> String {
        let mac = HMAC<Insecure.SHA1>.authenticationCode(
            for: Array((secret + key + dateTime).utf8), using: SymmetricKey(data: Array(secret.utf8)))
        let hex = Data(mac).map { String(format: "%02x", $0) }.joined()
        return "PTP:\(key):" + Data(hex.utf8).base64EncodedString()
    }

    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }

    struct Reply {
        let status: Int
        let headers: [String: String]
        let json: Any?
        let text: String

        /// The JSON body as an object, or empty.
        var object: [String: Any] { json as? [String: Any] ?? [:] }
        /// `data` of a page, or empty.
        var items: [[String: Any]] { object["data"] as? [[String: Any]] ?? [] }
        /// The first error's technicalCode.
        var technicalCode: String? { (object["errors"] as? [[String: Any]])?.first?["technicalCode"] as? String }
    }

    /// Sends a signed request (or one with the given headers instead).
    func send(
        _ method: String, _ path: String, body: Any? = nil, rawBody: String? = nil, headers: [String: String]? = nil,
        extraHeaders: [String: String] = [:]
    ) async throws -> Reply {
        var request = URLRequest(url: URL(string: baseURL + (path.hasPrefix("/_sandbox") ? "" : "/particeep/v1") + path)!)
        request.httpMethod = method
        let dateTime = Self.now()
        for (name, value) in headers ?? ["DateTime": dateTime, "Authorization": Self.sign(key: key, secret: secret, dateTime: dateTime)] {
            request.setValue(value, forHTTPHeaderField: name)
        }
        for (name, value) in extraHeaders { request.setValue(value, forHTTPHeaderField: name) }
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let body { request.httpBody = try JSONSerialization.data(withJSONObject: body) }
        if let rawBody { request.httpBody = Data(rawBody.utf8) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var headerFields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { headerFields[String(describing: name).lowercased()] = String(describing: value) }
        return Reply(
            status: http.statusCode, headers: headerFields, json: try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
            text: String(decoding: data, as: UTF8.self))
    }
}
