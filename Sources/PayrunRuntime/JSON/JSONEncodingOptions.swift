// How json.encode lays its output out.

/// Layout options for encoding.
public struct JSONEncodingOptions: Sendable {
    /// Spaces per level of indentation; nil writes everything on one line.
    public var indent: Int?
    /// Writes object keys in byte order, so the same value always encodes to the same text.
    public var sortKeys: Bool
    /// Writes `payrun.credential` handles as placeholders the provider's signing replaces (request
    /// bodies only); otherwise a handle, like any userdata, has no JSON form.
    var credentialPlaceholders = false

    public init(indent: Int? = nil, sortKeys: Bool = false) {
        self.indent = indent
        self.sortKeys = sortKeys
    }
}
