// libFuzzer target: payrun's JSON parser (PayrunFormats) never crashes, and any text it accepts
// re-encodes to text it accepts again, as the same value, and encodes to the same bytes again.
import PayrunFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let value = try? JSONValue.parse(bytes) else { return 0 }
    let text = value.encoded()
    let again: JSONValue
    do {
        again = try JSONValue.parse(text)
    } catch {
        fatalError("payrun's own encoding of an accepted value is refused: \(error) in \(String(decoding: text, as: UTF8.self))")
    }
    guard again == value else {
        fatalError("re-parsed value differs: \(value) became \(again) through \(String(decoding: text, as: UTF8.self))")
    }
    guard again.encoded() == text else { fatalError("encoding is not stable for \(value)") }
    return 0
}
