// `payrun annotations`: the LuaLS `---@meta` file for everything payrun gives a script, written
// from the registration tables and the annotations kept with each library.

/// The LuaLS library file editors read to complete and check payrun scripts.
public enum LuaAnnotations {
    /// The annotation tables of payrun's own libraries and of `providers`' own methods, in the
    /// order they are written.
    static func tables(providers: [any PaymentProvider]) -> [LuaAnnotationTable] {
        [
            PayrunLibrary.annotations, CredentialLibrary.annotations, JSONLibrary.annotations, CSVLibrary.annotations, DecimalLibrary.annotations,
            DecimalValue.annotations, ProviderLibrary.annotations(providers: providers), ProviderHandle.annotations,
        ] + providers.compactMap(extensionTable) + [
            ParallelLibrary.annotations, StepLibrary.annotations, EventLibrary.annotations, WebhookLibrary.annotations, HTTPLibrary.annotations,
            OutputLibrary.annotations, ProgressBar.annotations,
        ]
    }

    /// A provider's own methods as a class deriving from `payrun.provider`.
    private static func extensionTable(_ provider: any PaymentProvider) -> LuaAnnotationTable? {
        guard let luaExtension = provider.luaExtension else { return nil }
        let names = luaExtension.annotations.map(\.name)
        return LuaAnnotationTable(
            prefix: "\(provider.name):", registered: names,
            entries: [.text("---The \(provider.name) client: every `payrun.provider` method and these.\n"
                + "---@class payrun.provider.\(provider.name): payrun.provider\nlocal \(provider.name) = {}")]
                + luaExtension.annotations.map { .function($0.name, $0.text) })
    }

    /// The contents of `payrun.lua`, the `---@meta` file, for payrun's libraries and the
    /// methods of `providers` (a host passes its registry's).
    /// - Throws: `Mismatch` naming each function registered without annotations, or annotated
    ///   without being registered: a programming error the tests catch.
    public static func file(providers: ProviderRegistry = ProviderRegistry()) throws(Mismatch) -> String {
        let tables = tables(providers: providers.all)
        let mismatches = tables.flatMap(\.mismatches)
        guard mismatches.isEmpty else { throw Mismatch(problems: mismatches) }
        let header = """
            ---@meta payrun
            -- LuaLS annotations for what payrun gives every script, written by `payrun annotations` from
            -- the functions payrun registers; do not edit (a test fails when the two differ). Point your
            -- editor at this folder (scripts/.luarc.json does) to get completion and type checks.
            """
        return ([header] + tables.map(\.text)).joined(separator: "\n\n") + "\n"
    }

    /// Registered functions and annotations that do not match.
    public struct Mismatch: Error, CustomStringConvertible {
        public let problems: [String]
        public var description: String { problems.joined(separator: "\n") }
    }
}

extension ProviderSession {
    /// A session that is never used: the registration tables that take one, for their names.
    static var placeholder: ProviderSession {
        ProviderSession(registry: ProviderRegistry(), environment: .sandbox, credentials: MemoryCredentialStore())
    }
}
