// The error the simulators' set-up throws: a bad data file, a port already taken.

public struct SimulatorError: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) {
        self.description = description
    }
}
