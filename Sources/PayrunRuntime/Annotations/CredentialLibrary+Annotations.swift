// The LuaLS annotations of payrun.credential: `payrun annotations` writes them into the
// editor library with the others, and a test keeps scripts/library/payrun.lua equal to them.

extension CredentialLibrary {
    static var annotations: LuaAnnotationTable {
        LuaAnnotationTable(prefix: "payrun.", registered: functions(store: MemoryCredentialStore(), environment: .sandbox).map(\.name), entries: [
            .function("credential", """
                ---A handle for a configured credential, to pass to payrun's provider functions or to
                ---`payrun.http` (as its url, or in headers, the query or the body). The secret itself never
                ---enters Lua: `tostring(h)` is `credential particeep.api_secret (live)`. Raises an error saying
                ---how to set it when the credential is not configured.
                ---@param name string `provider.field`, e.g. "particeep.api_secret", or a service, e.g. "chat"
                ---@param field? string with a service: its field, e.g. "webhook_url"
                ---@return payrun.credential
                """),
            .text("""
                ---@class payrun.credential: userdata
                """),
        ])
    }
}
