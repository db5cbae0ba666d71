// Where payrun keeps a user's own files, by the XDG base directory specification.

/// A kind of per-user folder: payrun's files go in a `payrun` folder inside it.
public enum UserDirectory: Sendable {
    /// `$XDG_CONFIG_HOME`, by default `~/.config`: what the user sets (credentials).
    case config
    /// `$XDG_STATE_HOME`, by default `~/.local/state`: what payrun keeps between runs (history).
    case state

    /// `file` in payrun's folder of this kind, or nil when neither the variable nor `HOME` says
    /// where that is. A relative XDG variable is ignored, as the specification says.
    public func path(of file: String, environment: [String: String]) -> String? {
        let (variable, underHome) = switch self {
        case .config: ("XDG_CONFIG_HOME", "/.config")
        case .state: ("XDG_STATE_HOME", "/.local/state")
        }
        if let folder = environment[variable], folder.hasPrefix("/") { return folder + "/payrun/" + file }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home + underHome + "/payrun/" + file
    }
}
