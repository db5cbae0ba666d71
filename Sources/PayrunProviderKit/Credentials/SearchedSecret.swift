// A secret as answers are searched for it: by the byte of it that answers hold least often. Every
// answer is searched for every form of every secret, and looking for each one's first byte
// stopped at every "s" of a JSON answer for the sandbox's secrets ("sandbox-..."), to compare the
// whole secret there: 1.9K instructions a GET. A `x` or a `k` turns up once or not at all.
import CByteSearch
import Glibc

/// A secret's bytes, in one of the forms the redactor replaces, and how to find them.
struct SearchedSecret: Sendable {
    let bytes: [UInt8]
    /// Where in ``bytes`` their rarest byte is.
    let anchor: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        anchor = bytes.indices.max { Self.rarity(bytes[$0]) < Self.rarity(bytes[$1]) } ?? 0
    }

    /// Whether the bytes occur in `haystack`. Candidates are found with `memchr`, checked with
    /// `memcmp`; a long answer (a page of 166 KB) goes to glibc's `memmem`, which skips ahead by
    /// pairs of bytes the needle does not hold. A short one (a header, a single object) is
    /// searched the first way all the same: `memmem` builds a table first.
    func occurs(in haystack: UnsafeRawBufferPointer) -> Bool {
        bytes.withUnsafeBytes { needle in
            guard let base = haystack.baseAddress, let wanted = needle.baseAddress, !needle.isEmpty,
                  haystack.count >= needle.count else { return false }
            if haystack.count >= 1024 { return payrun_memmem(base, haystack.count, wanted, needle.count) != nil }
            // Where the anchor byte may be: the needle fits around it.
            var offset = anchor
            let last = haystack.count - needle.count + anchor
            let byte = Int32(needle[anchor])
            while offset <= last {
                guard let found = memchr(base + offset, byte, last - offset + 1) else { return false }
                let at = base.distance(to: UnsafeRawPointer(found))
                if memcmp(base + (at - anchor), wanted, needle.count) == 0 { return true }
                offset = at + 1
            }
            return false
        }
    }

    /// How seldom `byte` turns up in a provider's answer, roughly: JSON's punctuation and digits
    /// all the time, then letters by their frequency in English (upper-case ones as their
    /// lower-case: statuses, currencies and dates hold them), then the rest.
    static func rarity(_ byte: UInt8) -> Int {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: " "), UInt8(ascii: "0")...UInt8(ascii: "9"): 0
        case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "/"): 2
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
            3 + Self.letterOrder[Int((byte | 0x20) - UInt8(ascii: "a"))]
        default: 30
        }
    }

    /// Each letter's place in "etaoinsrhldcumfpgwybvkxjqz", from `a`.
    private static let letterOrder: [Int] = {
        var order = [Int](repeating: 0, count: 26)
        for (place, letter) in "etaoinsrhldcumfpgwybvkxjqz".utf8.enumerated() { order[Int(letter - UInt8(ascii: "a"))] = place }
        return order
    }()
}
