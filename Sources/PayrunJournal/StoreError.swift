// A state store that cannot do what was asked, said so that the person running payrun knows what
// to fix.

/// The state store failed: it cannot be opened, written, or was made by a newer payrun.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// Where the store is.
    public var location: String
    /// What went wrong, in the database's words where they help.
    public var message: String
    /// What to do about it.
    public var remedy: String

    public init(location: String, message: String, remedy: String) {
        self.location = location
        self.message = message
        self.remedy = remedy
    }

    public var description: String { "state store \(location): \(message); \(remedy)" }
}

extension StoreError {
    /// A run of `key` is already running: two at once would both send what is left to send.
    public static func anotherRunning(key: String, location: String) -> StoreError {
        StoreError(location: location, message: "another run of this job (key \(key)) began just now", remedy: "wait for it to end")
    }
}
