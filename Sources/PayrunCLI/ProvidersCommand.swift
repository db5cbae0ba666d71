// `payrun providers`: the providers a script can name, built in or declared, and where each
// declared one was read from.
import ArgumentParser
import Foundation
import Payrun

struct ProvidersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "providers",
        abstract: "List the providers a script can use: built in, and declared in providers/NAME.lua files.",
        discussion: """
            Declared providers are read from providers/ next to the script (the current folder when \
            none is given), then from providers/ in each --lib folder, then from \
            $XDG_CONFIG_HOME/payrun/providers/; the first file of a name is used. A definition \
            that cannot be used is reported with its file and field, and the status is 2. See \
            docs/declared-providers.md.
            """
    )

    @Option(name: .customLong("lib"), help: ArgumentHelp("Also look in this folder's providers/ (repeatable).", valueName: "path"))
    var libraryPaths: [String] = []

    @Argument(help: ArgumentHelp("The script whose folder's providers/ is searched first.", valueName: "script"))
    var script: String?

    /// A mistyped script or folder would list the current folder's providers instead, as if it
    /// had none of its own.
    func validate() throws {
        if let script, access(script, R_OK) != 0 {
            throw ValidationError("cannot read \(script): \(String(cString: strerror(errno)))")
        }
        try ScriptOptions.checkLibraryFolders(libraryPaths)
    }

    func run() throws {
        let variables = ProcessEnvironment.variables()
        let search = DeclaredProviderSearch(scriptPath: script, libraryPaths: libraryPaths, environment: variables)
        let found: [DeclaredProviderSearch.Found]
        do {
            found = try search.find(reserving: Set(BuiltInProviders.registry.names))
        } catch {
            throw ScriptOptions.definitionFailure(error)
        }
        var lines: [[String]] = BuiltInProviders.registry.all.map { provider in
            [provider.name, "built in", Self.environments(provider), provider.receivesWebhooks ? "webhooks" : ""]
        }
        for entry in found {
            lines.append([entry.provider.name, entry.provider.definition.file, Self.environments(entry.provider), Self.webhooks(entry.provider)])
            for file in entry.shadowed { lines.append(["", "  (not used: \(file))", "", ""]) }
        }
        let widths = (0..<4).map { column in lines.map { $0[column].count }.max() ?? 0 }
        var text = ""
        for line in lines {
            let cells = line.enumerated().map { column, cell in column == 3 ? cell : cell.padding(to: widths[column]) }
            text += cells.joined(separator: "  ").trimmingTrailingSpaces + "\n"
        }
        if found.isEmpty {
            text += "\nNo declared providers in: " + search.folders.joined(separator: ", ") + "\n"
        }
        StandardStreams.shared.write(text, to: .standardOutput)
    }

    /// The environments where the provider has a base URL.
    static func environments(_ provider: any PaymentProvider) -> String {
        PayrunEnvironment.allCases.filter(provider.offers).map(\.rawValue).joined(separator: ", ")
    }

    static func webhooks(_ provider: DeclaredProvider) -> String {
        switch provider.definition.webhooks?.scheme {
        case nil: ""
        case .standard?: "webhooks (Standard Webhooks)"
        case .stripe?: "webhooks (t=,v1= signature)"
        case .hmac?: "webhooks (HMAC)"
        case .header?: "webhooks (header)"
        case .basic?: "webhooks (Basic)"
        }
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String {
        self + String(repeating: " ", count: max(0, width - count))
    }

    fileprivate var trimmingTrailingSpaces: String {
        String(self.reversed().drop { $0 == " " }.reversed())
    }
}
