// What an editor needs to know about one registration table: LuaLS annotation text for each
// registered function, kept in Swift next to the libraries so the file editors read is generated
// from what payrun really registers and cannot drift from it.

/// The LuaLS annotations of one table of registered functions.
public struct LuaAnnotationTable: Sendable {
    /// How the functions are named in Lua: `payrun.json.` for a library, `provider:` for methods.
    public var prefix: String
    /// The names the registration table holds; each needs a `.function` entry, and only those.
    public var registered: [String]
    /// The annotations in the order they are written.
    public var entries: [Entry]

    public enum Entry: Sendable {
        /// Annotation text as written (`---@class ...`, a table's declaration).
        case text(String)
        /// A function's `---` description, `---@param` and `---@return` lines; the `function`
        /// line is written from its name and its `@param` names.
        case function(String, String)
    }

    public init(prefix: String, registered: [String], entries: [Entry]) {
        self.prefix = prefix
        self.registered = registered
        self.entries = entries
    }

    /// The functions registered without annotations, and those annotated but not registered.
    var mismatches: [String] {
        let annotated = entries.compactMap { entry -> String? in
            if case .function(let name, _) = entry { return name }
            return nil
        }
        let missing = Set(registered).subtracting(annotated).sorted().map { "\(prefix)\($0) is registered but not annotated" }
        let extra = Set(annotated).subtracting(registered).sorted().map { "\(prefix)\($0) is annotated but not registered" }
        return missing + extra
    }

    /// The annotation text, blocks separated by blank lines.
    var text: String {
        entries.map { entry in
            switch entry {
            case .text(let text):
                return text
            case .function(let name, let text):
                // `---@param name type` and `---@param name? type` give the parameter list.
                let parameters = text.split(separator: "\n").compactMap { line -> Substring? in
                    guard line.hasPrefix("---@param ") else { return nil }
                    let name = line.dropFirst("---@param ".count).prefix { $0 != " " }
                    return name.hasSuffix("?") ? name.dropLast() : name
                }
                return text + "\nfunction \(prefix)\(name)(\(parameters.joined(separator: ", "))) end"
            }
        }.joined(separator: "\n\n")
    }
}
