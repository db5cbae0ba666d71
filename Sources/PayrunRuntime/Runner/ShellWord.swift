// A word a person copies from a message into a shell: a path or URL in a printed command.
import Foundation

/// A word as a POSIX shell reads it back.
public enum ShellWord {
    /// `word` as it is when it holds only characters no shell treats specially, else in single
    /// quotes (a quote inside written `'\''`).
    public static func quoted(_ word: String) -> String {
        let plain = !word.isEmpty && word.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "/._-:@%+=,".utf8.contains(byte)
        }
        if plain { return word }
        var quoted = "'"
        for character in word { quoted += character == "'" ? "'\\''" : String(character) }
        return quoted + "'"
    }

    /// `--state` and the store at `location`, for a command printed for a person to run.
    /// A relative path is made absolute: the command may well be run from another folder.
    public static func stateOption(_ location: String) -> String {
        let absolute = location.hasPrefix("/") || location.contains("://")
            ? location : FileManager.default.currentDirectoryPath + "/" + (location.hasPrefix("./") ? String(location.dropFirst(2)) : location)
        return "--state " + quoted(absolute)
    }
}
