// libFuzzer target: the credential file reader (CredentialFile). Never crashes; whatever it reads,
// the file payrun writes for it reads back as the same credentials.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCredentials(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let entries = try? CredentialFile.parse(text) else { return 0 }
    let written = CredentialFile.render(entries)
    let again: [PayrunEnvironment: [CredentialName: Secret]]
    do {
        again = try CredentialFile.parse(written)
    } catch {
        fatalError("payrun's own credentials file is refused: \(error)")
    }
    // Empty tables are not written, so compare the credentials, not the tables.
    guard again.filter({ !$0.value.isEmpty }) == entries.filter({ !$0.value.isEmpty }) else {
        fatalError("credentials changed through a rewrite: \(entries.mapValues { $0.keys.sorted() }) became \(again.mapValues { $0.keys.sorted() })")
    }
    return 0
}
