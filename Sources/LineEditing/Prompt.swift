// A prompt with the width it takes on screen, colour codes left out of the count.

/// What the editor writes before the line.
public struct Prompt: Sendable, Equatable {
    /// The text as written, colour escape sequences included.
    public let text: String
    /// The columns it takes.
    public let width: Int

    public init(_ text: String) {
        self.text = text
        self.width = Self.visibleWidth(of: text)
    }

    /// Counts characters outside `ESC [ ... letter` sequences.
    static func visibleWidth(of text: String) -> Int {
        var width = 0
        var inEscape = false
        for scalar in text.unicodeScalars {
            if inEscape {
                if scalar.properties.isAlphabetic { inEscape = false }
            } else if scalar == "\u{1b}" {
                inEscape = true
            } else {
                width += 1
            }
        }
        return width
    }
}
