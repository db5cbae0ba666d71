// The LuaLS annotations of payrun.credential: `payrun annotations` writes them into the
// editor library with the others, and a test keeps scripts/library/payrun.lua equal to them.

extension CredentialLibrary {
    static var annotations: LuaAnnotationTable {
        LuaAnnotationTable(prefix: "payrun.", registered: functions(store: MemoryCredentialStore(), environment: .sandbox).map(\.name), entries: [
            .function("credential", """
                ---A handle for a configured credential, to pass to payrun's provider functions. The secret
                ---itself never enters Lua: `tostring(h)` is `credential particeep.api_secret (live)`.
                ---Raises an error saying how to set it when the credential is not configured.
                ---@param name string `provider.field`, e.g. "particeep.api_secret"
                ---@return payrun.credential
                """),
            .text("""
                ---@class payrun.credential: userdata
                """),
        ])
    }
}
