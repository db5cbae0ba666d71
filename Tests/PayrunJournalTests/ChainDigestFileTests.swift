// A file's digest read a megabyte at a time is the digest of its bytes (run keys name input files
// by it, so it must not change with how the file is read).
import Foundation
import PayrunJournal
import PayrunTestSupport
import Testing

@Suite struct ChainDigestFileTests {
    @Test func aFileReadInChunksDigestsAsItsBytesDo() throws {
        let path = TestFiles.path("payrun-digest")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bytes = (0..<(3 << 20) + 12_345).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(ChainDigest.sha256(ofFileAt: path, limit: 256 << 20) == ChainDigest.sha256(bytes))
        #expect(ChainDigest.sha256(ofFileAt: path, limit: 1 << 20) == nil, "past the limit: no digest")
        #expect(ChainDigest.sha256(ofFileAt: path + ".missing", limit: 1 << 20) == nil)
    }
}
