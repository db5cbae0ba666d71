// Trimming characters from both ends of a text, without Foundation: header parameters, list
// entries in settings, form fields.

extension StringProtocol {
    /// The text without any of `characters` at its start or end.
    public func trimming(_ characters: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, characters.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, characters.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
