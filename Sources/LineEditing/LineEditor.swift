// Reads one line from a person at a terminal, with readline's keys: moving and killing by
// character and word, history with Up/Down, reverse search with Ctrl-R, and Tab completion.

/// An interactive line reader. Not thread-safe: one line is read at a time, on one thread.
public final class LineEditor {
    /// How a read ended.
    public enum Outcome: Equatable, Sendable {
        /// Enter: the line typed (without its line break).
        case line(String)
        /// Ctrl-C: the line is abandoned.
        case interrupted
        /// Ctrl-D on an empty line, or the input closed.
        case endOfInput
    }

    public let terminal: Terminal
    public let history: LineHistory
    /// Gives the candidates for the text before the cursor (Tab); nil turns completion off.
    public var completer: ((String) -> LineCompletion)?
    /// The most candidates listed at once; past it the list says how many more there are.
    public var listLimit = 200

    public init(terminal: Terminal = Terminal(), history: LineHistory = LineHistory()) {
        self.terminal = terminal
        self.history = history
    }

    /// Reads a line after `prompt`, in raw mode, restoring the terminal before returning.
    public func readLine(prompt: Prompt) -> Outcome {
        guard terminal.enterRawMode() else { return .endOfInput }
        defer { terminal.leaveRawMode() }
        var session = EditSession(editor: self, prompt: prompt)
        return session.run()
    }
}

/// The state of one `readLine`.
private struct EditSession {
    let editor: LineEditor
    let prompt: Prompt
    var buffer = LineBuffer()
    var decoder: KeyDecoder
    /// Which history entry is shown: `entries.count` is the line being typed.
    var historyIndex: Int
    /// The line being typed, kept while browsing history.
    var draft = ""

    init(editor: LineEditor, prompt: Prompt) {
        self.editor = editor
        self.prompt = prompt
        let terminal = editor.terminal
        decoder = KeyDecoder { terminal.readByte(waiting: $0) }
        historyIndex = editor.history.entries.count
    }

    var terminal: Terminal { editor.terminal }

    mutating func run() -> LineEditor.Outcome {
        refresh()
        while let key = decoder.key() {
            if let outcome = handle(key) { return outcome }
        }
        terminal.write("\r\n")
        return .endOfInput
    }

    /// Acts on `key`; returns how the read ends, or nil to go on.
    mutating func handle(_ key: Key) -> LineEditor.Outcome? {
        switch key {
        case .enter:
            buffer.moveEnd()
            refresh()
            terminal.write("\r\n")
            return .line(buffer.text)
        case .control("c"):
            buffer.moveEnd()
            refresh()
            terminal.write("^C\r\n")
            return .interrupted
        case .control("d"):
            if buffer.isEmpty {
                terminal.write("\r\n")
                return .endOfInput
            }
            buffer.deleteForward()
        case .text(let text): buffer.insert(text)
        case .tab: complete()
        case .backspace: buffer.deleteBackward()
        case .delete: buffer.deleteForward()
        case .left, .control("b"): buffer.moveLeft()
        case .right, .control("f"): buffer.moveRight()
        case .home, .control("a"): buffer.moveHome()
        case .end, .control("e"): buffer.moveEnd()
        case .wordLeft: buffer.moveWordLeft()
        case .wordRight: buffer.moveWordRight()
        case .up, .control("p"): showHistory(historyIndex - 1)
        case .down, .control("n"): showHistory(historyIndex + 1)
        case .control("k"): buffer.killToEnd()
        case .control("u"): buffer.killToStart()
        case .control("w"): buffer.killWordBackward()
        case .control("y"): buffer.yank()
        case .control("t"): buffer.transpose()
        case .control("l"): terminal.write("\u{1b}[H\u{1b}[2J")
        case .control("r"): return reverseSearch()
        default: break
        }
        refresh()
        return nil
    }

    mutating func showHistory(_ index: Int) {
        let entries = editor.history.entries
        guard index >= 0, index <= entries.count, index != historyIndex else { return }
        if historyIndex == entries.count { draft = buffer.text }
        historyIndex = index
        buffer.set(index == entries.count ? draft : entries[index])
    }

    // MARK: Completion

    mutating func complete() {
        guard let completer = editor.completer else { return }
        let completion = completer(buffer.textBeforeCursor)
        let typed = buffer.cursor - completion.start
        switch completion.candidates.count {
        case 0:
            terminal.write("\u{7}")
        case 1:
            buffer.replace(from: completion.start, with: completion.candidates[0])
        default:
            let prefix = completion.commonPrefix
            if prefix.count > typed {
                buffer.replace(from: completion.start, with: prefix)
            } else {
                list(completion.candidates)
            }
        }
    }

    /// Writes the candidates in columns below the line; the line is drawn again after.
    func list(_ candidates: [String]) {
        let shown = candidates.prefix(editor.listLimit)
        let width = (shown.map(\.count).max() ?? 0) + 2
        let perRow = max(1, terminal.columns / width)
        var text = "\r\n"
        for (index, candidate) in shown.map(Self.display).enumerated() {
            let last = index % perRow == perRow - 1 || index == shown.count - 1
            text += last ? candidate + "\r\n" : candidate.padding(toLength: width)
        }
        if candidates.count > shown.count { text += "(\(candidates.count - shown.count) more)\r\n" }
        terminal.write(text)
    }

    // MARK: Reverse search

    /// Ctrl-R: finds older lines containing what is typed. Enter runs the match, Ctrl-G or
    /// Ctrl-C goes back to the line as it was, any other key keeps the match for editing.
    mutating func reverseSearch() -> LineEditor.Outcome? {
        let entries = editor.history.entries
        let original = buffer
        var query = ""
        var match: Int? = nil
        var failed = false
        func draw(_ terminal: Terminal) {
            let found = match.map { entries[$0] } ?? ""
            let label = (failed ? "(failing reverse-i-search)" : "(reverse-i-search)") + "`\(query)': "
            // Cut to the width, so a long entry does not wrap and leave rows behind.
            let room = max(0, terminal.columns - label.count - 1)
            terminal.write("\r" + Self.display(label + String(found.prefix(room))) + "\u{1b}[0K")
        }
        draw(terminal)
        while let key = decoder.key() {
            switch key {
            case .text(let text):
                query += text
                let found = editor.history.search(query, before: (match ?? entries.count - 1) + 1)
                failed = found == nil
                match = found ?? match
            case .backspace:
                if !query.isEmpty { query.removeLast() }
                match = editor.history.search(query, before: entries.count)
                failed = false
            case .control("r"):
                let found = editor.history.search(query, before: match ?? entries.count)
                failed = found == nil
                match = found ?? match
            case .control("g"), .control("c"):
                buffer = original
                refresh()
                return nil
            case .enter:
                if let match { buffer.set(entries[match]) }
                return handle(.enter)
            default:
                if let match {
                    buffer.set(entries[match])
                    // Up goes on from the match; Down comes back to what was typed before Ctrl-R.
                    if historyIndex == entries.count { draft = original.text }
                    historyIndex = match
                }
                refresh()
                return key == .escape ? nil : handle(key)
            }
            draw(terminal)
        }
        return .endOfInput
    }

    // MARK: Drawing

    /// Draws the prompt and the part of the line that fits, scrolled to keep the cursor in view.
    func refresh() {
        let columns = max(terminal.columns, prompt.width + 2)
        var start = 0
        var length = buffer.characters.count
        var position = buffer.cursor
        while prompt.width + position >= columns {
            start += 1
            length -= 1
            position -= 1
        }
        while prompt.width + length > columns { length -= 1 }
        let visible = buffer.characters[start..<(start + max(0, length))]
        var text = "\r" + prompt.text + Self.display(String(visible)) + "\u{1b}[0K\r"
        let column = prompt.width + position
        if column > 0 { text += "\u{1b}[\(column)C" }
        terminal.write(text)
    }

    /// A line as drawn: a line break (in a multi-line entry from history) shows as `⏎`, and any
    /// other control character as `?`, so a file name cannot send the terminal commands.
    static func display(_ text: String) -> String {
        String(text.map { character in
            if character == "\n" { return "⏎" }
            let isControl = character.unicodeScalars.contains { $0.value < 0x20 || (0x7f...0x9f).contains($0.value) }
            return isControl ? "?" : character
        })
    }
}

extension String {
    fileprivate func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
