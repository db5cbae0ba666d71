// Runs the built `payrun` on a real pseudo-terminal, as a person at a terminal would: keys are
// written to the master side, and what the program draws is read back from it. The child gets the
// terminal as its controlling terminal (through util-linux's `setsid --ctty`), so Ctrl-C sent as
// a byte reaches it as SIGINT, the way the terminal driver delivers it.
import Foundation
import PayrunTestSupport
import Synchronization

final class PseudoTerminal {
    private let master: Int32
    private let process: Process
    private let received = Received()
    private let reader: Thread
    /// The state folder made for this terminal's runs, removed with it.
    private let stateFolder: String?

    /// Starts `payrun arguments...` on a new 100×30 terminal.
    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        // posix_openpt and friends are hidden from Swift's Glibc module (they need _XOPEN_SOURCE),
        // so this is what they do on Linux: open the multiplexer, unlock, ask for the number.
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard master >= 0, ioctl(master, Self.setLock, &unlock) == 0, ioctl(master, Self.getNumber, &number) == 0 else {
            throw TerminalError(description: "cannot open a pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        let name = "/dev/pts/\(number)"
        var size = winsize(ws_row: 30, ws_col: 100, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)
        let slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard slave >= 0 else { throw TerminalError(description: "cannot open \(name)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        // --wait: setsid forks (Process makes its child a group leader) and passes on payrun's status.
        process.arguments = ["--ctty", "--wait", PayrunProcess.executable.path] + arguments
        var variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        // Runs keep their journal in a store of their own, never the user's.
        stateFolder = environment["PAYRUN_STATE"] == nil ? TestFiles.path("payrun-test-state") : nil
        if let stateFolder { variables["PAYRUN_STATE"] = stateFolder + "/state.db" }
        variables["TERM"] = "xterm"
        process.environment = variables
        process.currentDirectoryURL = PayrunProcess.packageRoot
        let handle = FileHandle(fileDescriptor: slave, closeOnDealloc: true)
        process.standardInput = handle
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        try handle.close()
        self.master = master
        self.process = process
        let received = self.received
        reader = Thread {
            defer { close(master) }
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(master, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return }  // EIO once the child has gone
                received.bytes.withLock { $0 += buffer[..<count] }
            }
        }
        reader.start()
    }

    /// Types `text`, as keys (`\t` is Tab, `\r` is Enter, `\u{3}` is Ctrl-C).
    func type(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let count = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            bytes = bytes.dropFirst(count)
        }
    }

    /// Everything drawn so far, as sent: escape sequences and carriage returns included.
    var rawText: String {
        String(decoding: received.bytes.withLock { $0 }, as: UTF8.self)
    }

    /// Everything drawn so far, colour and cursor sequences and carriage returns taken out.
    var screenText: String {
        Self.plain(String(decoding: received.bytes.withLock { $0 }, as: UTF8.self))
    }

    /// Waits until the text drawn after the first `skipping` characters contains `expected`.
    /// - Returns: the text drawn after `skipping`, when it does.
    /// - Throws: after `seconds`, with what was drawn, when it does not.
    @discardableResult
    func waitFor(_ expected: String, after skipping: Int = 0, seconds: Double = 30) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let text = String(screenText.dropFirst(skipping))
            if text.contains(expected) { return text }
            guard Date() < deadline else {
                throw TerminalError(description: "'\(expected)' did not appear within \(seconds) s; the terminal shows:\n\(text)")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// Types `line` and Enter, and waits for `expected` to be drawn after it.
    @discardableResult
    func enter(_ line: String, expecting expected: String, seconds: Double = 30) throws -> String {
        let mark = screenText.count
        type(line + "\r")
        return try waitFor(expected, after: mark, seconds: seconds)
    }

    /// Types `line` and Enter, and waits until the entry has run and the prompt is back: drawn
    /// on a line of its own after the line typed. Waiting for the prompt's text alone is not
    /// enough: the editor redraws the prompt with the line as it is typed, before the entry runs.
    func enter(_ line: String, thenPrompt prompt: String = "sandbox> ", seconds: Double = 30) throws {
        let mark = screenText.count
        type(line + "\r")
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let text = screenText.dropFirst(mark)
            if text.contains("\n"), text.hasSuffix(prompt) { return }
            guard Date() < deadline else {
                throw TerminalError(description: "the prompt '\(prompt)' did not come back within \(seconds) s; the terminal shows:\n\(screenText)")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// Types Ctrl-D once the editor reads again: the screen ends with `prompt`, drawn after raw
    /// mode is back. Typed while an entry still runs, the terminal is in its normal mode, whose
    /// line discipline makes Ctrl-D an end of file for a read nobody is making, and the editor
    /// later reads a NUL byte instead (as a shell does with Ctrl-D typed during a command).
    func endSession(prompt: String = "sandbox> ", seconds: Double = 30) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !screenText.hasSuffix(prompt) {
            guard Date() < deadline else {
                throw TerminalError(description: "the prompt '\(prompt)' did not come back within \(seconds) s; the terminal shows:\n\(screenText)")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        type("\u{4}")
    }

    /// Waits (bounded) for the program to exit and returns its status; kills it if it does not.
    func exitStatus(seconds: Double = 20) -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { killForeground() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        // The reader thread closes `master` once the terminal is gone (its read fails): closed
        // here, its number could be given to another test's socket or pipe while the reader is
        // still in its loop, and the reader would take that test's bytes.
        if process.isRunning { killForeground() }
        if let stateFolder {
            process.waitUntilExit()
            try? FileManager.default.removeItem(atPath: stateFolder)
        }
    }

    /// Kills what runs on the terminal (payrun, in the session setsid made for it).
    private func killForeground() {
        var group: pid_t = 0
        if ioctl(master, UInt(TIOCGPGRP), &group) == 0, group > 1 { kill(-group, SIGKILL) }
        process.terminate()
    }

    /// `text` without ANSI escape sequences and carriage returns.
    static func plain(_ text: String) -> String {
        var result = ""
        var escape = false
        var csi = false
        for scalar in text.unicodeScalars {
            if escape {
                if !csi && scalar == "[" { csi = true; continue }
                if !csi || (0x40...0x7e).contains(scalar.value) { escape = false; csi = false }
                continue
            }
            if scalar == "\u{1b}" { escape = true; continue }
            if scalar == "\r" { continue }
            result.unicodeScalars.append(scalar)
        }
        return result
    }

    /// TIOCSPTLCK and TIOCGPTN from <asm-generic/ioctls.h>, macros Swift cannot import.
    private static let setLock: UInt = 0x4004_5431
    private static let getNumber: UInt = 0x8004_5430

    /// What the reader thread has read, shared with it.
    private final class Received: Sendable {
        let bytes = Mutex<[UInt8]>([])
    }

    struct TerminalError: Error, CustomStringConvertible {
        let description: String
    }
}
