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

    static func error(_ code: Int, _ detail: String? = nil) -> CapitalistReply {
        CapitalistReply(code: code, message: [CapitalistErrorCodes.meanings[code], detail].compactMap { $0 }.joined(separator: ": "))
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
