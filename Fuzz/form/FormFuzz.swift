// libFuzzer target: the simulators' form bodies (FormBody: form-urlencoded and multipart/form-data).
// The first byte picks the mode: a raw url-encoded body, which must survive FormEncoding's encode
// and decode unchanged; a raw multipart body (never crashes); or fields written as multipart by
// this target, which must read back as the same fields.
import PayrunFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzForm(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let mode = data[0] % 3
    let body = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch mode {
    case 0:
        let fields = FormBody.fields(body, contentType: "application/x-www-form-urlencoded") ?? [:]
        let encoded = FormEncoding.encode(fields.sorted { $0.key < $1.key })
        let again = FormBody.urlEncoded(encoded)
        guard again == fields else { fatalError("url-encoded fields changed through encode: \(fields) became \(again)") }
    case 1:
        _ = FormBody.fields(body, contentType: "multipart/form-data; boundary=\"XyZ\"")
    default:
        let fields = FormBody.urlEncoded(String(decoding: body, as: UTF8.self)).filter { name, value in
            // What a multipart writer could not send as is: a name with a quote or a line break,
            // a value holding the boundary.
            !name.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == 0x0d || $0 == 0x0a })
                && !value.utf8.contains(0x0d) && !Array((name + value).utf8).contains(Array("--XyZ".utf8))
        }
        var multipart = ""
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            multipart += "--XyZ\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
        }
        multipart += "--XyZ--\r\n"
        let again = FormBody.fields(Array(multipart.utf8), contentType: "multipart/form-data; boundary=XyZ") ?? [:]
        guard again == fields else { fatalError("multipart fields changed: \(fields) became \(again)") }
    }
    return 0
}
