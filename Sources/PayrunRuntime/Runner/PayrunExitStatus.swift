// What `payrun` exits with, so shell scripts and schedulers can tell failures apart.

/// The process exit status of a `payrun` command.
public enum PayrunExitStatus: Int32, Sendable {
    /// The script ran to its end.
    case success = 0
    /// The script raised an error, or did not compile; the message and traceback are on stderr.
    case scriptFailed = 1
    /// The command line was wrong: an unknown option, no script, or a script that cannot be read.
    case usage = 2
    /// The script ran past its time limit (`--timeout`) and was stopped.
    case timeLimit = 3
    /// A mutation is in doubt: the run stopped before one whose earlier attempt may or may not
    /// have been applied, and which the provider cannot look up (record what happened with
    /// `payrun runs resolve`), or it ended with one its script caught (run it again).
    case inDoubt = 4
    /// The script was stopped by Ctrl-C or SIGTERM.
    case interrupted = 130
}
