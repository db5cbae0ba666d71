// Capitalist's two reply formats (providers.md §3): JSON `{"code", "message", "data"}` when the
// request asks with `x-response-format: json`, otherwise CSV: `code;message` on the first line,
// then one record a line, `;`-separated. The header is echoed with the format used.
import HTTPTypes
import Hummingbird
import PayrunFormats

struct CapitalistReply: Error, Sendable {
    let code: Int
    let message: String
    var data: JSONValue = .object([:])
    /// The CSV form's records after the first line, each a list of fields.
    var csvRecords: [[String]] = []
    var json = true

    static let formatHeader = HTTPField.Name("x-response-format")!

    /// Capitalist's documented meaning of each error code this simulator answers.
    static let meanings: [Int: String] = [
        2: "Run-time error", 5: "User not found", 10: "Error attempting to decrypt the password", 15: "Invalid password",
        16: "The number of login attempts exceeded. Try 30 minutes later", 20: "Invalid authentication token",
        25: "Information queries in batch downloads with over 1,000 entries is forbidden without page-by-page breakdown",
        110: "Signature verification error", 111: "The transfer data contains invalid characters",
        125: "Uploaded file cannot be parsed", 130: "Account not found", 135: "Insufficient funds for operations",
        150: "A non-POST query received", 151: "Unknown operation", 180: "Unknown confirmation method",
        198: "Invalid verification code", 202: "Wrong request params",
    ]

    static func error(_ code: Int, _ detail: String? = nil) -> CapitalistReply {
        CapitalistReply(code: code, message: [meanings[code], detail].compactMap { $0 }.joined(separator: ": "))
    }

    static func success(_ data: JSONValue, csv: [[String]] = []) -> CapitalistReply {
        CapitalistReply(code: 0, message: "", data: data, csvRecords: csv)
    }

    func response(json: Bool) -> Response {
        var headers: HTTPFields = [Self.formatHeader: json ? "json" : "csv"]
        if json {
            headers[.contentType] = "application/json"
            let body = JSONValue.object(["code": .integer(code), "message": .string(message), "data": data]).encoded()
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
        headers[.contentType] = "text/plain; charset=utf-8"
        let lines = [[String(code), message]] + (code == 0 ? csvRecords : [])
        let text = lines.map { $0.map { $0.replacing(";", with: ",").replacing("\n", with: " ") }.joined(separator: ";") }.joined(separator: "\n")
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
