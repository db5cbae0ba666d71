// payrun's own Base64, held against Foundation's for every length a remainder can have.
import Foundation
import PayrunFormats
import Testing

@Suite struct Base64Tests {
    @Test func matchesRFC4648sExamples() {
        let examples = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in examples {
            #expect(Base64.string(Array(plain.utf8)) == encoded)
        }
    }

    @Test func matchesFoundationOnEveryByteAndLength() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(Base64.string(bytes) == Data(bytes).base64EncodedString(), "\(bytes)")
        }
        let every = (0...255).map { UInt8($0) }
        #expect(Base64.string(every) == Data(every).base64EncodedString())
    }

    @Test func appendsAfterWhatIsThere() {
        var text = Array("PTP:key:".utf8)
        Array("hi!".utf8).withUnsafeBytes { Base64.append($0, to: &text) }
        #expect(String(decoding: text, as: UTF8.self) == "PTP:key:aGkh")
    }
}
