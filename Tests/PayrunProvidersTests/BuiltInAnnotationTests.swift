// The LuaLS library shipped in scripts/library is what `payrun annotations` writes for payrun and
// its built-in providers, and each provider's own Lua methods are all annotated.
import Foundation
import LuaKit
import PayrunProviders
import PayrunRuntime
import Testing

@Suite struct BuiltInAnnotationTests {
    /// From Tests/PayrunProvidersTests/ up to the package root, then to the annotations.
    static let annotationPath = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        .dropLast(3).joined(separator: "/") + "/scripts/library/payrun.lua"

    static func checkedIn() throws -> String {
        try String(contentsOfFile: annotationPath, encoding: .utf8)
    }

    @Test func theShippedFileIsWhatPayrunWrites() throws {
        let generated = try LuaAnnotations.file(providers: BuiltInProviders.registry)
        #expect(
            try Self.checkedIn() == generated,
            "scripts/library/payrun.lua is out of date: run `swift run payrun annotations --built-in-only -o scripts/library/payrun.lua`")
        #expect(generated.contains("---@overload fun(name: \"tradevest\", options?: payrun.provider.options): payrun.provider.tradevest"))
        #expect(generated.contains("function tradevest:externalid(...) end"))
        let state = try LuaState()
        _ = try state.load(generated, chunkName: "=payrun.lua")
    }

    @Test func everyMethodAProviderAddsIsAnnotatedAndNothingElse() throws {
        for provider in BuiltInProviders.registry.all {
            guard let luaExtension = provider.luaExtension else { continue }
            let state = try LuaState()
            try state.open([.base, .table, .string])
            let listed = try state.run(
                "local t = assert(load(...))() local names = {} for k in pairs(t) do names[#names + 1] = k end return table.concat(names, ' ')",
                chunkName: "=names", [.string(LuaString(luaExtension.source))])
            guard case .string(let text)? = listed.first else { Issue.record("no names"); continue }
            let methods = String(decoding: text.bytes, as: UTF8.self).split(separator: " ").map(String.init)
            #expect(Set(methods) == Set(luaExtension.annotations.map(\.name)), "\(provider.name)")
        }
    }
}
