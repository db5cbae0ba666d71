// libFuzzer target: the REPL's key decoder (LineEditing's KeyDecoder). Never crashes, ends, takes
// at least one byte per key, and a text key is one character.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKeys(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    var offset = 0
    var decoder = KeyDecoder { _ in
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }
    var keys = 0
    while let key = decoder.key() {
        keys += 1
        guard keys <= size else { fatalError("more keys (\(keys)) than bytes (\(size))") }
        if case .text(let text) = key, text.count != 1 {
            fatalError("a text key of \(text.count) characters: \(Array(text.unicodeScalars))")
        }
    }
    return 0
}
