// A command that was used rightly and could not do what it was asked: "there is no run r_9".
// Exit status 1 and the message alone; a usage error (ValidationError) is 2, with the usage line.

struct CommandFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }

    init(_ message: String) {
        self.message = message
    }
}
