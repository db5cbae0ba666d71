// Reads a provider definition file: its Lua runs in a state of its own with only what data needs
// (string, table, math, utf8 and the safe base functions), no `payrun`, no files, no loading of
// code, a second of time and 16 MiB of memory, and what it returns becomes a definition.
import LuaKit
import PayrunProviderKit

/// A `providers/NAME.lua` file.
public enum DefinitionFile {
    /// The most a definition file may be.
    static let sizeLimit = 1 << 20

    /// Base functions a definition may use; everything else in `_G` is removed. Not `load`,
    /// `dofile`, `loadfile` or `require` (code from elsewhere), `print` (a definition says
    /// nothing), `collectgarbage`, nor `rawset`/`rawget`, which would step round the lock on
    /// unknown globals.
    static let baseFunctions: Set<String> = [
        "assert", "error", "ipairs", "next", "pairs", "pcall", "select", "tonumber", "tostring", "type",
        "xpcall", "rawequal", "rawlen", "_VERSION", "_G", "setmetatable",
        "string", "table", "math", "utf8",
    ]

    /// The definition in the file at `path`, checked.
    /// - Throws: ``DefinitionError`` naming the file and the field.
    public static func load(_ path: String) throws(DefinitionError) -> ProviderDefinition {
        let bytes: [UInt8]
        do {
            bytes = try FileContents.read(path, limit: sizeLimit)
        } catch {
            let reason = switch error {
            case .unreadable(let why): "cannot be read: \(why)"
            case .tooLarge: "is larger than \(sizeLimit / 1024) KiB: a definition is a page of Lua"
            }
            throw DefinitionError(file: path, field: "", message: reason)
        }
        return try load(bytes, file: path)
    }

    /// The definition in `source`, named `file` in messages.
    public static func load(_ source: [UInt8], file: String) throws(DefinitionError) -> ProviderDefinition {
        let value = try evaluate(source, file: file)
        let definition = try DefinitionReader(file: file, source: source).definition(value)
        let expected = fileName(of: file)
        if let expected, expected != definition.name {
            throw DefinitionError(file: file, field: "name", message: "the file is \(expected).lua but the provider is called \"\(definition.name)\": rename one so they match")
        }
        return definition
    }

    /// `acme` for `…/providers/acme.lua`.
    static func fileName(of path: String) -> String? {
        guard let last = path.split(separator: "/").last, last.hasSuffix(".lua") else { return nil }
        return String(last.dropLast(4))
    }

    /// Runs the file in its restricted state and returns what it returned, copied into Swift.
    private static func evaluate(_ source: [UInt8], file: String) throws(DefinitionError) -> LuaValue {
        let state: LuaState
        let measured: LuaReference
        do throws(LuaError) {
            state = try LuaState(memoryLimit: 16 << 20)
            try state.open([.base, .string, .table, .math, .utf8])
            guard case .function(let reference)? = try state.run(Self.measuring, chunkName: "=(definition size)").first else {
                throw LuaError(.runtime, "the size check did not load")
            }
            measured = reference
            try state.run(Self.lockdown, chunkName: "=(definition sandbox)", [.array(baseFunctions.sorted().map { LuaValue($0) })])
        } catch {
            throw DefinitionError(file: file, field: "", message: "cannot set up a Lua state to read it: \(error.message)")
        }
        do {
            try state.startTimeLimit(seconds: 1)
            defer { state.cancelTimeLimit() }
            let chunk = try state.load(source, chunkName: "@" + file)
            return try state.call(measured, [.function(chunk)]).first ?? .nil
        } catch {
            if state.stopReason == .timeLimit {
                throw DefinitionError(file: file, field: "", message: "it ran for more than a second: a definition only builds a table")
            }
            // Lua's messages start with the chunk's name and the line: `file:3: …`.
            let message = error.message.hasPrefix(file + ":") ? String(error.message.dropFirst(file.count + 1)) : error.message
            throw DefinitionError(file: file, field: "", message: message)
        }
    }

    /// The most values (tables, keys and members, a table shared twice counted twice) the
    /// returned table may hold: copying it into Swift happens after the time limit, so it is
    /// bounded here, in Lua, while the limit still runs.
    static let valueLimit = 100_000

    /// Runs a definition's chunk and returns its table once it is known to be no larger than
    /// ``valueLimit``; made before the lockdown, with the functions it needs kept as locals.
    static let measuring = """
        local type, next, error = type, next, error
        local function count(value, budget)
          budget = budget - 1
          if budget < 0 then error("the table it returns holds more than \(valueLimit) values (a table used in several places counts each time): a definition is a page of data", 0) end
          if type(value) ~= "table" then return budget end
          for key, member in next, value do
            budget = count(member, count(key, budget))
          end
          return budget
        end
        return function(definition)
          local result = definition()
          count(result, \(valueLimit))
          return result
        end
        """

    /// Removes every global not in the list given, then locks `_G`, so a definition that reaches
    /// for `payrun`, `os` or `io` is told it cannot rather than finding nil.
    static let lockdown = """
        local keep = {}
        for _, name in ipairs(...) do keep[name] = true end
        for name in pairs(_G) do if not keep[name] then _G[name] = nil end end
        string.dump = nil
        local function refuse(_, name)
          local why = name == "payrun" and "credentials and requests are not reachable from a definition: it names credential fields, and payrun signs in Swift"
            or "a definition is data: it has string, table, math and utf8, and no files, processes, network or other code"
          error(string.format("'%s' is not available in a provider definition (%s)", tostring(name), why), 2)
        end
        setmetatable(_G, { __index = refuse, __newindex = function(_, name) error(string.format("a definition cannot set the global '%s': use local, and return the table", tostring(name)), 2) end, __metatable = false })
        setmetatable = nil
        """
}
