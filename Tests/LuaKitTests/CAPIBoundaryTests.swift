// LuaKit is the only Swift module that speaks Lua's C API: everything that can longjmp, and the
// host record the allocator and the stop hook read, stays behind its safe layer. A raw call that
// creeps into another module fails here, naming the file and line.
import Foundation
import Testing

@Suite struct CAPIBoundaryTests {
    /// The repository's `Sources` folder, found from this file's path.
    static let sources = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources")

    /// Modules that may name the C API: LuaKit itself, and the C targets.
    static let allowed: Set<String> = ["LuaKit", "CLua", "CLuaShims", "CReferenceFunctions"]

    /// `lua_…`, `luaL_…` and `luashim_…` identifiers, and imports of the C modules.
    static let pattern = try! NSRegularExpression(pattern: #"\b(lua_|luaL_|luashim_)[A-Za-z_]+|^\s*import\s+(CLua|CLuaShims)\b"#, options: [.anchorsMatchLines])

    @Test func noModuleButLuaKitCallsLuasCAPI() throws {
        let modules = try FileManager.default.contentsOfDirectory(atPath: Self.sources.path).filter { !Self.allowed.contains($0) }
        #expect(modules.contains("PayrunRuntime") && modules.contains("PayrunProviders") && modules.contains("PayrunCLI"),
                "the scan must see the modules it guards: \(modules)")
        var offences: [String] = []
        var scanned = 0
        for module in modules {
            let folder = Self.sources.appendingPathComponent(module)
            guard let files = FileManager.default.enumerator(atPath: folder.path) else { continue }
            for case let file as String in files where file.hasSuffix(".swift") {
                let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
                scanned += 1
                for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    let line = String(line)
                    // Comments may talk about the C API (`lua_CFunction` in a sentence).
                    let code = line.components(separatedBy: "//").first ?? line
                    let range = NSRange(code.startIndex..., in: code)
                    if Self.pattern.firstMatch(in: code, range: range) != nil {
                        offences.append("\(module)/\(file):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
                    }
                }
            }
        }
        #expect(scanned > 100, "found only \(scanned) Swift files under \(Self.sources.path)")
        #expect(offences.isEmpty, "Lua's C API outside LuaKit (add what is needed to LuaKit instead):\n\(offences.joined(separator: "\n"))")
    }
}
