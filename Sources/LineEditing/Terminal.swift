// The terminal a person talks to payrun through: raw mode while the line editor reads a line,
// echo off while a secret is typed, the controlling terminal for a question piped input must not
// answer, the width to draw in, and bytes in and out with no buffering in between.
import Glibc

/// A terminal on an input and an output descriptor (standard input and output by default), or
/// the controlling terminal itself: the one place payrun changes a terminal's modes — raw for
/// the line editor, echo off for a secret — and reads a person's answer.
public final class Terminal {
    public let input: Int32
    public let output: Int32
    /// The settings to restore when raw mode ends.
    private var saved: termios?
    /// Whether the descriptors are this object's own, to close (the controlling terminal's).
    private let ownsDescriptors: Bool

    public init(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO) {
        self.input = input
        self.output = output
        ownsDescriptors = false
    }

    private init(descriptor: Int32) {
        input = descriptor
        output = descriptor
        ownsDescriptors = true
    }

    deinit {
        leaveRawMode()
        if ownsDescriptors { close(input) }
    }

    /// The process's controlling terminal (`/dev/tty`), so that piped input cannot answer a
    /// question meant for a person; nil when there is none (a service, a CI job).
    public static func controlling() -> Terminal? {
        let descriptor = open("/dev/tty", O_RDWR | O_NOCTTY)
        return descriptor >= 0 ? Terminal(descriptor: descriptor) : nil
    }

    /// Whether both descriptors are terminals: the editor is for people, pipes get plain lines.
    public var isInteractive: Bool { isatty(input) == 1 && isatty(output) == 1 }

    // MARK: Modes

    /// Character-at-a-time input with no echo and no signals from Ctrl-C or Ctrl-Z (the editor
    /// handles those keys itself). Output processing stays on, so `\n` still starts a new line.
    /// Switching waits for output to drain but keeps typed-ahead input (TCSADRAIN, not
    /// TCSAFLUSH): lines pasted or typed while an entry ran are read next, not dropped.
    public func enterRawMode() -> Bool {
        guard saved == nil else { return true }
        guard let original = settings() else { return false }
        var settings = original
        settings.c_iflag &= ~tcflag_t(BRKINT | ICRNL | INPCK | ISTRIP | IXON)
        settings.c_cflag |= tcflag_t(CS8)
        settings.c_lflag &= ~tcflag_t(ECHO | ICANON | IEXTEN | ISIG)
        withUnsafeMutableBytes(of: &settings.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        guard apply(settings) else { return false }
        saved = original
        return true
    }

    /// Puts back the settings raw mode replaced.
    public func leaveRawMode() {
        guard let original = saved else { return }
        _ = apply(original)
        saved = nil
    }

    /// Runs `body` with the terminal not echoing what is typed (a secret), line editing left as
    /// it is; on something that is not a terminal, just runs it.
    public func withoutEcho<Result>(_ body: () throws -> Result) rethrows -> Result {
        guard isatty(input) == 1, let original = settings() else { return try body() }
        var quiet = original
        quiet.c_lflag &= ~tcflag_t(ECHO)
        _ = apply(quiet)
        defer { _ = apply(original) }
        return try body()
    }

    private func settings() -> termios? {
        var settings = termios()
        return tcgetattr(input, &settings) == 0 ? settings : nil
    }

    private func apply(_ settings: termios) -> Bool {
        var settings = settings
        return tcsetattr(input, TCSADRAIN, &settings) == 0
    }

    // MARK: Reading and writing

    /// The width in columns, 80 when the terminal does not say.
    public var columns: Int {
        var size = winsize()
        guard ioctl(output, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    /// The next byte typed. With `waiting` false, gives up after 50 ms, the gap that tells a lone
    /// Escape from the start of an arrow key's sequence.
    public func readByte(waiting: Bool) -> UInt8? {
        if !waiting {
            var descriptor = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 50) > 0 else { return nil }
        }
        var byte: UInt8 = 0
        while true {
            let count = read(input, &byte, 1)
            if count == 1 { return byte }
            if count < 0 && errno == EINTR { continue }
            return nil
        }
    }

    /// The bytes up to the next line break (not included), at most `limit` of them kept; nil
    /// when input ends before anything was typed.
    public func readLine(limit: Int) -> [UInt8]? {
        var line: [UInt8] = []
        while let byte = readByte(waiting: true) {
            if byte == UInt8(ascii: "\n") { return line }
            if line.count < limit { line.append(byte) }
        }
        return line.isEmpty ? nil : line
    }

    /// Writes `text` whole.
    public func write(_ text: String) {
        Descriptor.writeAll(text, to: output)
    }
}
