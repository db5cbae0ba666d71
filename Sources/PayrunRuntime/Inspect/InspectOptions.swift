// How payrun.inspect renders a value.

/// Limits and layout for ``Inspector``.
public struct InspectOptions: Sendable {
    /// Tables nested deeper than this are shown as `{...}`.
    public var depth: Int
    /// A table shows at most this many entries, then `... (N more)`.
    public var maxItems: Int
    /// A table whose one-line form would pass this width is written one entry a line.
    public var width: Int
    /// Spaces per level of indentation.
    public var indent: Int

    public init(depth: Int = 12, maxItems: Int = 100, width: Int = 80, indent: Int = 2) {
        self.depth = depth
        self.maxItems = maxItems
        self.width = width
        self.indent = indent
    }
}
