// A Lua value that has no JSON form, and where in the value it sits.

/// A value `json.encode` cannot write, with the path to it (`$.payments[3].amount`).
public struct JSONEncodingError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String

    public var description: String {
        "cannot encode \(path) as JSON: \(problem)"
    }
}
