// The LuaLS library shipped in scripts/library is what `payrun annotations` writes for payrun and
// its built-in providers, each provider's own Lua methods are all annotated, and declared
// providers are annotated too.
import Foundation
import LuaKit
import PayrunDeclaredProviders
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

    @Test func declaredProvidersAndTheirMethodsAreAnnotated() throws {
        var registry = ProviderImplementation.declared.registry(replacing: "peex")
        let acmepay = try DeclaredProvider(file: #filePath.split(separator: "/").dropLast(3).joined(separator: "/").prefixed + "/scripts/providers/acmepay.lua")
        registry.register(acmepay)
        let generated = try LuaAnnotations.file(providers: registry)
        #expect(generated.contains("---@overload fun(name: \"acmepay\", options?: payrun.provider.options): payrun.provider\n"))
        #expect(generated.contains("---@class payrun.provider.peex: payrun.provider"))
        #expect(generated.contains("---Polls the request with `track_id`"), "the declared methods' own --- lines")
        #expect(generated.contains("function peex:wait_for(track_id, options) end"))
        let state = try LuaState()
        _ = try state.load(generated, chunkName: "=payrun.lua")
    }

    @Test(arguments: ProviderImplementation.allCases)
    func everyMethodAProviderAddsIsAnnotatedAndNothingElse(_ implementation: ProviderImplementation) throws {
        for provider in implementation.registry(replacing: "peex").all {
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

extension String {
    /// An absolute path from `#filePath`'s parts joined without their leading "/".
    fileprivate var prefixed: String { "/" + self }
}
