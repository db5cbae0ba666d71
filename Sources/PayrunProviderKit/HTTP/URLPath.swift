// The path of an absolute URL, read as bytes: what a signature signs, what retry patterns and
// `Link` pages are matched against. It runs several times for every request, so it does not walk
// the URL as `Character`s.

public enum URLPath {
    /// What follows "scheme://authority", without the query or fragment; empty when there is
    /// no path (or no authority).
    public static func of(_ url: String) -> String {
        var url = url
        return url.withUTF8 { bytes in
            let slash = UInt8(ascii: "/")
            guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), bytes.count > colon + 2, bytes[colon + 1] == slash,
                bytes[colon + 2] == slash, let start = bytes[(colon + 3)...].firstIndex(of: slash)
            else { return "" }
            let end = bytes[start...].firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? bytes.endIndex
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }
    }
}
