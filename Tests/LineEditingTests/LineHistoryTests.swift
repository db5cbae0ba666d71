// History kept between sessions in a private file.
import Foundation
import LineEditing
import PayrunTestSupport
import Testing

@Suite struct LineHistoryTests {
    func temporaryPath() -> String {
        TestFiles.path("payrun-history") + "/state/payrun/history"
    }

    @Test func entriesComeBackInTheNextSessionMultiLineOnesWhole() throws {
        let path = temporaryPath()
        let first = LineHistory(path: path)
        first.add("x = 1")
        first.add("x = 1")
        first.add("   ")
        first.add("function f()\n  return \"a\\\\b\"\nend")
        let second = LineHistory(path: path)
        #expect(second.entries == ["x = 1", "function f()\n  return \"a\\\\b\"\nend"])
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test func keepsOnlyTheNewestEntries() {
        let path = temporaryPath()
        let history = LineHistory(path: path, limit: 3)
        for number in 1...8 { history.add("print(\(number))") }
        #expect(history.entries == ["print(6)", "print(7)", "print(8)"])
        #expect(LineHistory(path: path, limit: 3).entries == ["print(6)", "print(7)", "print(8)"])
    }

    @Test func searchFindsTheNewestMatchBeforeAnIndex() {
        let history = LineHistory()
        for line in ["a = 1", "b = 2", "a = 3"] { history.add(line) }
        #expect(history.search("a =", before: 3) == 2)
        #expect(history.search("a =", before: 2) == 0)
        #expect(history.search("zzz", before: 3) == nil)
    }
}
