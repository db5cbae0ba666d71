// The line being edited and the cursor in it, with readline's editing operations. Plain value
// logic, so it is tested without a terminal.

/// Text being edited, as characters (grapheme clusters), with a cursor between them.
public struct LineBuffer: Equatable, Sendable {
    public private(set) var characters: [Character]
    /// Where the next character goes: 0 is before the first, `characters.count` after the last.
    public private(set) var cursor: Int
    /// What the last kill (Ctrl-K, Ctrl-U, Ctrl-W) removed, for Ctrl-Y.
    public private(set) var killed: [Character] = []

    public init(_ text: String = "") {
        characters = Array(text)
        cursor = characters.count
    }

    public var text: String { String(characters) }
    public var isEmpty: Bool { characters.isEmpty }
    /// The text before the cursor.
    public var textBeforeCursor: String { String(characters[..<cursor]) }

    /// Inserts at the cursor. A combining mark or emoji modifier typed after a character joins
    /// it, as the text would show it, so offsets into ``text`` and ``characters`` always agree.
    public mutating func insert(_ text: String) {
        let before = String(characters[..<cursor]) + text
        characters = Array(before + String(characters[cursor...]))
        cursor = min(before.count, characters.count)
    }

    /// Replaces the characters from `start` to the cursor with `text` (a completion).
    public mutating func replace(from start: Int, with text: String) {
        let start = max(0, min(start, cursor))
        characters.removeSubrange(start..<cursor)
        cursor = start
        insert(text)
    }

    /// Replaces everything, leaving the cursor at the end (a line from history).
    public mutating func set(_ text: String) {
        characters = Array(text)
        cursor = characters.count
    }

    public mutating func deleteBackward() {
        guard cursor > 0 else { return }
        characters.remove(at: cursor - 1)
        cursor -= 1
    }

    public mutating func deleteForward() {
        guard cursor < characters.count else { return }
        characters.remove(at: cursor)
    }

    public mutating func moveLeft() { cursor = max(0, cursor - 1) }
    public mutating func moveRight() { cursor = min(characters.count, cursor + 1) }
    public mutating func moveHome() { cursor = 0 }
    public mutating func moveEnd() { cursor = characters.count }

    /// To the start of this word, or of the previous one.
    public mutating func moveWordLeft() { cursor = wordStart(before: cursor) }

    /// To the end of this word, or of the next one.
    public mutating func moveWordRight() {
        var index = cursor
        while index < characters.count, !Self.isWord(characters[index]) { index += 1 }
        while index < characters.count, Self.isWord(characters[index]) { index += 1 }
        cursor = index
    }

    /// Ctrl-K: from the cursor to the end.
    public mutating func killToEnd() {
        guard cursor < characters.count else { return }
        killed = Array(characters[cursor...])
        characters.removeSubrange(cursor...)
    }

    /// Ctrl-U: from the start to the cursor.
    public mutating func killToStart() {
        guard cursor > 0 else { return }
        killed = Array(characters[..<cursor])
        characters.removeSubrange(..<cursor)
        cursor = 0
    }

    /// Ctrl-W: the word before the cursor (and the spaces after it).
    public mutating func killWordBackward() {
        let start = wordStart(before: cursor)
        guard start < cursor else { return }
        killed = Array(characters[start..<cursor])
        characters.removeSubrange(start..<cursor)
        cursor = start
    }

    /// Ctrl-Y: puts back what was last killed.
    public mutating func yank() {
        insert(String(killed))
    }

    /// Ctrl-T: swaps the characters around the cursor (the last two at the end of the line).
    public mutating func transpose() {
        guard characters.count >= 2, cursor > 0 else { return }
        let right = min(cursor, characters.count - 1)
        characters.swapAt(right - 1, right)
        cursor = right + 1
    }

    private func wordStart(before position: Int) -> Int {
        var index = position
        while index > 0, !Self.isWord(characters[index - 1]) { index -= 1 }
        while index > 0, Self.isWord(characters[index - 1]) { index -= 1 }
        return index
    }

    /// Letters, digits and `_`: what a Lua name is made of.
    static func isWord(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "_"
    }
}
