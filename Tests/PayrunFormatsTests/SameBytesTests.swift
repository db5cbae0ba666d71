import PayrunFormats
import Testing

@Suite struct SameBytesTests {
    @Test func stringsOfTheSameBytesAreTheSame() {
        #expect("sandbox-particeep-key".hasSameBytes(as: "sandbox-" + "particeep-key"))
        #expect("".hasSameBytes(as: ""))
        #expect("a much longer string that is not stored inline".hasSameBytes(as: "a much longer string that is not stored inline"))
    }

    @Test func anyDifferentByteMakesThemDifferent() {
        #expect(!"2026-12-03T03:45:00Z".hasSameBytes(as: "2026-12-03T03:45:01Z"))
        #expect(!"key".hasSameBytes(as: "key "))
        #expect(!"".hasSameBytes(as: "x"))
    }

    /// `==` says these are equal (é precomposed, and e with a combining accent); a signature
    /// computed from one is not the other's.
    @Test func canonicallyEquivalentStringsOfOtherBytesDiffer() {
        let precomposed = "caf\u{E9}", combined = "cafe\u{301}"
        #expect(precomposed == combined)
        #expect(!precomposed.hasSameBytes(as: combined))
    }
}
