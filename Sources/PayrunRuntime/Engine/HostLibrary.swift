// What a host adds to its scripts: a read-only global table of values and functions, each
// function a Sendable Swift closure that takes and returns JSON, waited for as provider requests
// are (stopped by the time limit and cancellation), with its errors raised in Lua's form.
import PayrunFormats

/// A global table a host gives its scripts, e.g. `ops.approve(payout)` or `ops.region`.
public struct HostLibrary: Sendable {
    /// A host function: the script's arguments as JSON (nil as `.null`), and its result (`.null`
    /// returns nothing). Throw ``HostArgumentError`` for a bad argument; any other error is raised
    /// in the script as its description.
    public typealias Function = @Sendable ([JSONValue]) async throws -> JSONValue

    /// The global's name: a Lua name that is not already a global of payrun's.
    public let name: String
    private(set) var values: [(name: String, value: JSONValue)] = []
    private(set) var functions: [(name: String, body: Function)] = []

    public init(_ name: String) {
        self.name = name
    }

    /// Adds `name = value` to the table.
    public mutating func add(_ name: String, value: JSONValue) {
        values.append((name, value))
    }

    /// Adds the function `name`, run in Swift when the script calls it.
    public mutating func add(_ name: String, function body: @escaping Function) {
        functions.append((name, body))
    }
}

/// A bad argument to a host function, raised as Lua's `bad argument #2 to 'approve' (...)`.
public struct HostArgumentError: Error, Sendable {
    /// The argument's position, from 1.
    public let position: Int
    public let message: String

    public init(position: Int, _ message: String) {
        self.position = position
        self.message = message
    }
}
