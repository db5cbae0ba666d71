// The DateTime text every Particeep request is signed with, and every record's created_at.
import PayrunFormats
import Testing

@Suite struct UTCTimeTests {
    @Test func writesKnownInstants() {
        #expect(UTCTime.text(0) == "1970-01-01T00:00:00Z")
        #expect(UTCTime.text(1_445_252_658) == "2015-10-19T11:04:18Z")
        #expect(UTCTime.text(1_709_251_199) == "2024-02-29T23:59:59Z")
        #expect(UTCTime.text(951_782_400) == "2000-02-29T00:00:00Z")
        #expect(UTCTime.text(253_402_300_799) == "9999-12-31T23:59:59Z")
        #expect(UTCTime.text(-1) == "1969-12-31T23:59:59Z")
    }

    @Test func readsBackWhatItWrites() {
        // A week and a bit apart, across 140 years: every month, leap years and not.
        for seconds in stride(from: -86_400 * 365 * 20, to: 86_400 * 365 * 120, by: 608_461) {
            #expect(UTCTime.seconds(from: UTCTime.text(seconds)) == seconds)
        }
    }

    @Test func appendsAfterWhatIsThere() {
        var bytes = Array("created_at=".utf8)
        UTCTime.write(1_445_252_658, into: &bytes)
        UTCTime.write(0, into: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "created_at=2015-10-19T11:04:18Z1970-01-01T00:00:00Z")
    }
}
