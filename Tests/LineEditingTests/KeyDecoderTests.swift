// What keys the bytes of an xterm-like terminal decode to.
import LineEditing
import Testing

@Suite struct KeyDecoderTests {
    /// Every key in `bytes`, as a terminal would send them.
    func keys(_ bytes: [UInt8]) -> [Key] {
        var remaining = bytes[...]
        var decoder = KeyDecoder { _ in remaining.popFirst() }
        var keys: [Key] = []
        while let key = decoder.key() { keys.append(key) }
        return keys
    }

    @Test func plainTextAndControlKeys() {
        #expect(keys(Array("a1 ".utf8)) == [.text("a"), .text("1"), .text(" ")])
        #expect(keys([0x01, 0x03, 0x04, 0x12, 0x09, 0x0d, 0x7f]) == [
            .control("a"), .control("c"), .control("d"), .control("r"), .tab, .enter, .backspace,
        ])
    }

    @Test func utf8CharactersArriveWhole() {
        #expect(keys(Array("é€😀".utf8)) == [.text("é"), .text("€"), .text("😀")])
    }

    @Test func aByteThatCannotContinueACharacterIsTheNextKey() {
        // Latin-1 é then Enter: the Enter still submits.
        #expect(keys([0xe9, 0x0d]) == [.text("\u{FFFD}"), .enter])
    }

    @Test func bytesThatAreNoCharacterAreOneReplacementKey() {
        // Found by Fuzz/keys: 0xff 0xa5 gave one text key of two characters.
        #expect(keys([0xff, 0xa5]) == [.text("\u{FFFD}")])
        #expect(keys([0xc0, 0x80, 0x61]) == [.text("\u{FFFD}"), .text("a")])
    }

    @Test func arrowsAndEditingKeysInBothEncodings() {
        let escape: UInt8 = 0x1b
        #expect(keys([escape] + Array("[A".utf8) + [escape] + Array("[B".utf8) + [escape] + Array("OC".utf8) + [escape] + Array("[D".utf8))
            == [.up, .down, .right, .left])
        #expect(keys([escape] + Array("[3~".utf8) + [escape] + Array("[H".utf8) + [escape] + Array("[4~".utf8))
            == [.delete, .home, .end])
        #expect(keys([escape] + Array("[1;5C".utf8) + [escape] + Array("b".utf8)) == [.wordRight, .wordLeft])
    }

    @Test func aLoneEscapeAndUnknownSequencesInsertNothing() {
        #expect(keys([0x1b]) == [.escape])
        #expect(keys([0x1b] + Array("[15~x".utf8)) == [.unknown, .text("x")])
    }
}
