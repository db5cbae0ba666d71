// The terminal a line editor talks to: raw mode while a line is typed, the width to draw in,
// and bytes in and out with no buffering in between.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A terminal on an input and an output descriptor (standard input and output by default).
public final class Terminal {
    public let input: Int32
    public let output: Int32
    /// The settings to restore when raw mode ends.
    private var saved: termios?

    public init(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO) {
        self.input = input
        self.output = output
    }

    /// Whether both descriptors are terminals: the editor is for people, pipes get plain lines.
    public var isInteractive: Bool { isatty(input) == 1 && isatty(output) == 1 }

    /// Character-at-a-time input with no echo and no signals from Ctrl-C or Ctrl-Z (the editor
    /// handles those keys itself). Output processing stays on, so `\n` still starts a new line.
    /// Switching waits for output to drain but keeps typed-ahead input (TCSADRAIN, not
    /// TCSAFLUSH): lines pasted or typed while an entry ran are read next, not dropped.
    public func enterRawMode() -> Bool {
        guard saved == nil else { return true }
        var settings = termios()
        guard tcgetattr(input, &settings) == 0 else { return false }
        saved = settings
        settings.c_iflag &= ~tcflag_t(BRKINT | ICRNL | INPCK | ISTRIP | IXON)
        settings.c_cflag |= tcflag_t(CS8)
        settings.c_lflag &= ~tcflag_t(ECHO | ICANON | IEXTEN | ISIG)
        withUnsafeMutableBytes(of: &settings.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(input, TCSADRAIN, &settings) == 0 else {
            saved = nil
            return false
        }
        return true
    }

    /// Puts back the settings raw mode replaced.
    public func leaveRawMode() {
        guard var settings = saved else { return }
        tcsetattr(input, TCSADRAIN, &settings)
        saved = nil
    }

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

    /// Writes `text` whole.
    public func write(_ text: String) {
        Descriptor.writeAll(text, to: output)
    }
}
