// The keys a line editor acts on, decoded from what a terminal sends.

/// One key press (or pasted character) as the editor sees it.
public enum Key: Equatable, Sendable {
    /// Text to insert: one character, possibly several bytes of UTF-8.
    case text(String)
    /// Control plus a letter (`control("a")` is Ctrl-A), for those without a key of their own.
    case control(Character)
    case enter, tab, backspace, delete, escape
    case up, down, left, right, home, end
    /// Alt-B / Ctrl-Left and Alt-F / Ctrl-Right.
    case wordLeft, wordRight
    /// A sequence the editor does not know; ignored rather than inserted as garbage.
    case unknown
}
