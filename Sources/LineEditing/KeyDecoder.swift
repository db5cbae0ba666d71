// Turns the bytes a terminal sends into keys: control characters, UTF-8 text, and the escape
// sequences of xterm-like terminals (VT100 arrows, `ESC [ n ~` editing keys, Alt as ESC-prefix).

/// Decodes keys from a source of bytes.
public struct KeyDecoder {
    /// The next byte, or nil at the end of input. `waiting` says whether to block: false asks
    /// for a byte only if one arrives promptly (to tell a lone Escape from a sequence).
    public typealias ByteSource = (_ waiting: Bool) -> UInt8?

    private let source: ByteSource
    /// A byte read ahead that belongs to the next key.
    private var pending: UInt8?

    public init(_ source: @escaping ByteSource) {
        self.source = source
    }

    private mutating func next(_ waiting: Bool) -> UInt8? {
        if let byte = pending {
            pending = nil
            return byte
        }
        return source(waiting)
    }

    /// The next key, or nil when the input has ended.
    public mutating func key() -> Key? {
        guard let byte = next(true) else { return nil }
        switch byte {
        case 0x0d, 0x0a: return .enter
        case 0x09: return .tab
        case 0x7f, 0x08: return .backspace
        case 0x1b: return escapeSequence()
        case 0x01...0x1a: return .control(Character(Unicode.Scalar(byte + 0x60)))
        case 0x00, 0x1c...0x1f: return .unknown
        case 0x20..<0x80: return .text(String(Unicode.Scalar(byte)))
        default: return utf8(startingWith: byte)
        }
    }

    /// A multi-byte UTF-8 character; invalid bytes become one U+FFFD rather than vanishing. A byte
    /// that cannot continue the character (Enter after a Latin-1 `é`) is kept for the next key.
    private mutating func utf8(startingWith first: UInt8) -> Key {
        let length = first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : first >= 0xc0 ? 2 : 1
        var bytes = [first]
        while bytes.count < length, let byte = next(true) {
            guard (0x80...0xbf).contains(byte) else {
                pending = byte
                break
            }
            bytes.append(byte)
        }
        // Bytes that are no character at all (0xff, an overlong 0xc0 0x80) are one U+FFFD, as a
        // truncated sequence is: one key per character read.
        let text = String(decoding: bytes, as: UTF8.self)
        return .text(text.count == 1 ? text : "\u{FFFD}")
    }

    private mutating func escapeSequence() -> Key {
        guard let second = next(false) else { return .escape }
        switch second {
        case UInt8(ascii: "["): return controlSequence()
        case UInt8(ascii: "O"):
            switch next(false) {
            case UInt8(ascii: "A"): return .up
            case UInt8(ascii: "B"): return .down
            case UInt8(ascii: "C"): return .right
            case UInt8(ascii: "D"): return .left
            case UInt8(ascii: "H"): return .home
            case UInt8(ascii: "F"): return .end
            default: return .unknown
            }
        case UInt8(ascii: "b"): return .wordLeft
        case UInt8(ascii: "f"): return .wordRight
        case 0x7f: return .control("w")  // Alt-Backspace deletes a word, as in readline
        default: return .unknown
        }
    }

    /// `ESC [` then parameters (digits and `;`) and a final byte.
    private mutating func controlSequence() -> Key {
        var parameters = ""
        while let byte = next(false) {
            if (0x30...0x3f).contains(byte) {
                parameters.append(Character(Unicode.Scalar(byte)))
                continue
            }
            // Ctrl or Alt with an arrow: `1;5C`, `1;3D`.
            let modified = parameters.hasSuffix(";5") || parameters.hasSuffix(";3")
            switch byte {
            case UInt8(ascii: "A"): return .up
            case UInt8(ascii: "B"): return .down
            case UInt8(ascii: "C"): return modified ? .wordRight : .right
            case UInt8(ascii: "D"): return modified ? .wordLeft : .left
            case UInt8(ascii: "H"): return .home
            case UInt8(ascii: "F"): return .end
            case UInt8(ascii: "~"):
                switch parameters {
                case "1", "7": return .home
                case "3": return .delete
                case "4", "8": return .end
                default: return .unknown
                }
            default: return .unknown
            }
        }
        return .unknown
    }
}
