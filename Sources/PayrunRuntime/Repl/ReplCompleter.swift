// What Tab offers in `payrun repl`: globals and keywords, a table's fields, a value's methods
// (a provider's own included), a provider's endpoints inside a call's first argument, provider
// names in `payrun.provider("`, the commands, and files after `:load`.
//
// It reads the live state with raw accesses only: no metamethod runs and nothing is called, so
// completing never has side effects and cannot raise.
import LuaKit

/// Candidates for the word before the cursor.
struct ReplCompleter {
    let state: LuaState
    let registry: ProviderRegistry

    static let keywords = [
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
        "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
    ]

    /// The offset (in characters) where the replaced word starts, and what could replace it.
    func complete(_ text: String) -> (start: Int, candidates: [String]) {
        let characters = Array(text)
        if characters.first == ":" {
            if let space = characters.firstIndex(of: " ") {
                guard String(characters[..<space]) == ":load" else { return (0, []) }
                let path = String(characters[(space + 1)...].drop(while: \.isWhitespace))
                return (characters.count - path.count, ReplFiles.complete(path))
            }
            return (0, SessionCommand.names.filter { $0.hasPrefix(text) }.map { $0 == ":load" ? ":load " : $0 })
        }
        if let argument = stringArgument(characters) { return argument }
        return expression(characters)
    }

    // MARK: Endpoints and provider names

    /// Inside a string: in a call's first argument, `name:method("/us` offers the provider's
    /// endpoints and `payrun.provider("tr` the providers' names; elsewhere nothing. Nil outside
    /// strings.
    private func stringArgument(_ characters: [Character]) -> (start: Int, candidates: [String])? {
        guard let quote = characters.indices.last(where: { Self.isQuote(characters, at: $0) }),
            characters.indices.prefix(quote).filter({ characters[$0] == characters[quote] && Self.isQuote(characters, at: $0) }).count % 2 == 0
        else { return nil }
        var index = quote
        while index > 0, characters[index - 1] == " " { index -= 1 }
        guard index > 0, characters[index - 1] == "(" else { return (quote + 1, []) }
        index -= 1
        while index > 0, characters[index - 1] == " " { index -= 1 }
        let callee = String(characters[..<index].reversed().prefix(while: Self.isPathCharacter).reversed())
        let typed = String(characters[(quote + 1)...])
        var options: [String] = []
        if callee == "payrun.provider" {
            options = registry.names
        } else if let colon = callee.lastIndex(of: ":"), let name = provider(at: String(callee[..<colon])) {
            options = registry.provider(named: name)?.endpoints ?? []
        }
        // Inside any other string, Lua names would only be in the way.
        return (quote + 1, options.filter { $0.hasPrefix(typed) })
    }

    /// The provider whose handle the global path `path` holds.
    private func provider(at path: String) -> String? {
        let stack = state.stack
        let base = stack.top
        defer { stack.top = base }
        guard push(path.split(separator: ".").map(String.init)) else { return nil }
        return stack.object(at: -1, as: ProviderHandle.self)?.client.provider.name
    }

    // MARK: Names

    private func expression(_ characters: [Character]) -> (start: Int, candidates: [String]) {
        var word = String(characters.reversed().prefix(while: Self.isPathCharacter).reversed())
        // `"id: "..acc`: what follows the concatenation is the word.
        let letters = Array(word)
        if letters.count >= 2, let dot = (1..<letters.count).last(where: { letters[$0] == "." && letters[$0 - 1] == "." }) {
            word = String(letters[(dot + 1)...])
        }
        let start = characters.count - word.count
        guard let separator = word.lastIndex(where: { $0 == "." || $0 == ":" }) else {
            if word.first?.isNumber == true { return (start, []) }
            let names = names(of: [], methodsOnly: false) + Self.keywords
            return (start, Self.matching(names, word))
        }
        let prefix = String(word[word.index(after: separator)...])
        let path = word[..<separator].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !path.contains(where: \.isEmpty), !path.contains(where: { $0.contains(":") }) else { return (start, []) }
        let names = names(of: path, methodsOnly: word[separator] == ":")
        return (characters.count - prefix.count, Self.matching(names, prefix))
    }

    /// The names reachable from the value at `path` (the globals for an empty path), each
    /// function's followed by `(`.
    private func names(of path: [String], methodsOnly: Bool) -> [String] {
        let stack = state.stack
        let base = stack.top
        defer { stack.top = base }
        guard (try? stack.reserve(20)) != nil, push(path) else { return [] }
        var found: [String: Bool] = [:]
        let value = stack.top
        if stack.type(at: value) == .table { collect(table: value, into: &found) }
        // What the value's metatable offers: `__index` as a table (methods, the string library),
        // or for payrun's objects, the methods kept beside a lookup function.
        if stack.pushMetatable(of: value) {  // stack: ... value metatable
            let metatable = stack.top
            if pushIndexTable(ofMetatable: metatable) { collect(table: stack.top, into: &found) }
            if stack.pushField("__name", of: metatable) == .string, let name = stack.string(at: -1) {
                if stack.pushRegistryValue(LuaStack.methodsKey(forTypeNamed: name)) == .table { collect(table: stack.top, into: &found) }
            }
        }
        if let handle = stack.object(at: value, as: ProviderHandle.self) {
            // A provider's own methods, compiled only on first use: every one has annotations,
            // under its name.
            for method in handle.client.provider.luaExtension?.annotations ?? [] { found[method.name] = true }
        }
        let names = methodsOnly ? found.filter(\.value) : found
        return names.map { $0.value ? $0.key + "(" : $0.key }
    }

    /// Pushes the value at `path` from the globals, by raw reads; false when it is not there.
    private func push(_ path: [String]) -> Bool {
        let stack = state.stack
        stack.pushGlobals()
        for name in path {
            let type = stack.type(at: -1)
            guard type == .table || type == .userdata else { return false }
            if type == .table {
                if stack.pushField(name, of: -1) != .nil {
                    stack.remove(at: -2)
                    continue
                }
                stack.pop()
            }
            guard pushIndexTable(of: -1) else { return false }  // stack: ... value index
            stack.pushField(name, of: -1)                      // stack: ... value index field
            stack.remove(at: -2)
            stack.remove(at: -2)
            if stack.type(at: -1) == .nil { return false }
        }
        return true
    }

    /// Pushes what the value at `index`'s metatable reads missing fields from, if it is a table.
    private func pushIndexTable(of index: Int32) -> Bool {
        let stack = state.stack
        let index = stack.absoluteIndex(index)
        guard stack.pushMetatable(of: index) else { return false }  // stack: ... metatable
        let found = pushIndexTable(ofMetatable: -1)
        stack.remove(at: found ? -2 : -1)
        return found
    }

    /// Pushes the `__index` of the metatable at `index` if it is a table, or else the library a
    /// locked table reads through (the sandbox keeps it as `__library`); pushes nothing otherwise.
    private func pushIndexTable(ofMetatable index: Int32) -> Bool {
        let stack = state.stack
        let index = stack.absoluteIndex(index)
        for field in ["__index", "__library"] {
            if stack.pushField(field, of: index) == .table { return true }
            stack.pop()
        }
        return false
    }

    /// Adds the string keys of the table at `index` that are Lua names (true for functions).
    private func collect(table index: Int32, into found: inout [String: Bool]) {
        let stack = state.stack
        stack.forEachEntry(of: index) { key, value in
            if let name = stack.string(at: key), Self.isName(name) {
                found[name] = found[name] == true || stack.type(at: value) == .function
            }
        }
    }

    private static func matching(_ names: [String], _ prefix: String) -> [String] {
        Array(Set(names.filter { $0.hasPrefix(prefix) && !$0.hasPrefix("_") || (prefix.hasPrefix("_") && $0.hasPrefix(prefix)) })).sorted()
    }

    /// Whether a quote at `index` delimits a string (one after a backslash does not).
    private static func isQuote(_ characters: [Character], at index: Int) -> Bool {
        guard characters[index] == "\"" || characters[index] == "'" else { return false }
        var backslashes = 0
        while index - backslashes > 0, characters[index - backslashes - 1] == "\\" { backslashes += 1 }
        return backslashes % 2 == 0
    }

    private static func isPathCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "_" || character == "." || character == ":"
    }

    static func isName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return text.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }
}
