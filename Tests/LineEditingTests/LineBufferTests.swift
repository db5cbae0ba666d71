// The editing operations, as readline users expect them.
import LineEditing
import Testing

@Suite struct LineBufferTests {
    @Test func insertsAtTheCursorAndDeletesAroundIt() {
        var line = LineBuffer("pay")
        line.moveHome()
        line.insert("go ")
        #expect(line.text == "go pay" && line.cursor == 3)
        line.deleteBackward()
        line.deleteForward()
        #expect(line.text == "goay" && line.cursor == 2)
    }

    @Test func killsAndYanksWords() {
        var line = LineBuffer("particeep:get(\"/info\")")
        line.killWordBackward()
        #expect(line.text == "particeep:get(\"/")
        line.moveHome()
        line.moveWordRight()
        #expect(line.cursor == 9)
        line.killToEnd()
        #expect(line.text == "particeep" && String(line.killed) == ":get(\"/")
        line.yank()
        #expect(line.text == "particeep:get(\"/")
        line.moveWordLeft()
        line.killToStart()
        #expect(line.text == "get(\"/" && String(line.killed) == "particeep:")
    }

    @Test func replacesTheWordBeingCompleted() {
        var line = LineBuffer("x = payrun.ins")
        line.replace(from: 11, with: "inspect(")
        #expect(line.text == "x = payrun.inspect(" && line.cursor == 19)
    }

    @Test func aModifierTypedAfterACharacterJoinsIt() {
        var line = LineBuffer("x = \"👍")
        line.insert("\u{1F3FD}")
        line.insert("\",")
        #expect(line.characters.count == line.text.count && line.cursor == 8)
        line.replace(from: 8, with: "account")
        #expect(line.text == "x = \"👍🏽\",account")
    }

    @Test func transposesLikeReadline() {
        var line = LineBuffer("ab")
        line.transpose()
        #expect(line.text == "ba")
    }

    @Test func completionsCommonPrefix() {
        #expect(LineCompletion(start: 0, candidates: ["paginate", "payrun", "pairs"]).commonPrefix == "pa")
        #expect(LineCompletion(start: 0, candidates: ["get"]).commonPrefix == "get")
    }

    @Test func promptWidthLeavesColourCodesOut() {
        #expect(Prompt("\u{1b}[1;31mpayrun[LIVE]>\u{1b}[0m ").width == 14)
    }
}
