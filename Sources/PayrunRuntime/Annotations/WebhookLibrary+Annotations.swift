// The LuaLS annotations of payrun.webhook: `payrun annotations` writes them into the
// editor library with the others, and a test keeps scripts/library/payrun.lua equal to them.

extension WebhookLibrary {
    static var annotations: LuaAnnotationTable {
        LuaAnnotationTable(prefix: "payrun.webhook.", registered: functions(session: .placeholder).map(\.name), entries: [
            .text("""
                ---@class payrun.webhooklib
                payrun.webhook = {}
                """),
            .function("verify", """
                ---Whether a webhook really comes from `provider` (checked in constant time, with a bounded age
                ---where the provider's scheme has a timestamp): `true`, or `false` and the reason.
                ---@param provider string
                ---@param webhook { headers: table<string, string>, body: string }
                ---@return boolean valid
                ---@return string|nil reason
                """),
        ])
    }
}
