// Where declared providers are found: `providers/NAME.lua` next to the script, then in each
// `--lib` folder, then in `$XDG_CONFIG_HOME/payrun/providers/` (by default
// `~/.config/payrun/providers/`). The first file of a name wins, as `require` finds modules.
import Glibc
import PayrunProviderKit

/// Finds provider definition files and adds them to a registry.
public struct DeclaredProviderSearch: Sendable {
    /// One definition file found and read.
    public struct Found: Sendable {
        public let provider: DeclaredProvider
        /// Files of the same name further down the search, not used.
        public let shadowed: [String]
    }

    /// The folders searched, in order: each holds `NAME.lua` files.
    public let folders: [String]

    public init(folders: [String]) {
        self.folders = folders
    }

    /// The folders for a script at `scriptPath` (nil: the current folder, as in the REPL), the
    /// `--lib` folders and the user's configuration folder.
    public init(scriptPath: String?, libraryPaths: [String], environment: [String: String]) {
        let scriptFolder = scriptPath.map { path in
            path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        } ?? "."
        var folders = [(scriptFolder.isEmpty ? "/" : scriptFolder) + "/providers"] + libraryPaths.map { $0 + "/providers" }
        if let config = UserDirectory.config.path(of: "providers", environment: environment) { folders.append(config) }
        // A script in a --lib folder, or the same folder given twice, is searched once.
        var seen: Set<String> = []
        self.init(folders: folders.filter { seen.insert($0).inserted })
    }

    /// Every definition in the folders, the first of each name; checked, in name order.
    /// - Throws: ``DefinitionError`` for the first file that cannot be used, or one that takes
    ///   a name already registered in `reserved` (a built-in provider's: its credentials would
    ///   follow the definition's hosts).
    public func find(reserving reserved: Set<String>) throws(DefinitionError) -> [Found] {
        var files: [String: [String]] = [:]
        for folder in folders {
            for name in Self.luaFiles(in: folder) { files[name, default: []].append(folder + "/" + name + ".lua") }
        }
        var found: [Found] = []
        for name in files.keys.sorted() {
            let paths = files[name]!
            let provider = try DeclaredProvider(file: paths[0])
            guard !reserved.contains(provider.name) else {
                throw DefinitionError(
                    file: paths[0], field: "name",
                    message: "\"\(provider.name)\" is a built-in provider, which a definition cannot replace (its credentials would go where the definition says): give it another name")
            }
            // A definition nearer the script may stand in for one further away only if it sends
            // the provider's credentials to the same URLs in the same way: a folder a script came
            // with must not redirect keys the user set up for their own definition, to another
            // host, to another path on a shared host, or into a URL's query.
            for other in paths.dropFirst() {
                let shadowed = try DeclaredProvider(file: other)
                if let field = Self.firstDifference(in: provider.definition, from: shadowed.definition) {
                    throw DefinitionError(
                        file: paths[0], field: field,
                        message: "\(other) also declares \"\(provider.name)\", with another \(field); its credentials would go where this file says instead: remove or rename one of them")
                }
            }
            found.append(Found(provider: provider, shadowed: Array(paths.dropFirst())))
        }
        return found
    }

    /// `registry` with every definition found added.
    public func registering(into registry: ProviderRegistry) throws(DefinitionError) -> ProviderRegistry {
        var registry = registry
        for found in try find(reserving: Set(registry.names)) { registry.register(found.provider) }
        return registry
    }

    /// The first field of those that say where and how credentials go (the base URLs, the other
    /// hosts, the authentication) in which `nearer` differs from `further`; nil when they agree.
    static func firstDifference(in nearer: ProviderDefinition, from further: ProviderDefinition) -> String? {
        if nearer.baseURLs != further.baseURLs || nearer.sandboxBase != further.sandboxBase { return "base_url" }
        if Set(nearer.extraHosts) != Set(further.extraHosts) { return "hosts" }
        if nearer.auth != further.auth { return "auth" }
        return nil
    }

    /// The names (without `.lua`) of the regular `.lua` files in `folder`, sorted; none when it
    /// does not exist. Not hidden files, and not a pipe or device, which reading would block on.
    static func luaFiles(in folder: String) -> [String] {
        guard let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.hasSuffix(".lua"), !name.hasPrefix(".") else { continue }
            var status = stat()
            guard stat(folder + "/" + name, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { continue }
            names.append(String(name.dropLast(4)))
        }
        return names.sorted()
    }
}
