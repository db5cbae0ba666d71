// The LuaLS annotations of payrun.provider, its errors and responses: `payrun annotations` writes
// them into the editor library with the others, and a test keeps scripts/library/payrun.lua equal
// to them. Each provider gets an overload naming it, returning its class when it has methods of its own.

extension ProviderLibrary {
    static func annotations(providers: [any PaymentProvider]) -> LuaAnnotationTable {
        // Every provider's name completes; one with methods of its own returns its class.
        let overloads = providers.map { provider in
            let type = provider.luaExtension == nil ? "payrun.provider" : "payrun.provider.\(provider.name)"
            return "\n---@overload fun(name: \"\(provider.name)\", options?: payrun.provider.options): \(type)"
        }.joined()
        return LuaAnnotationTable(prefix: "payrun.", registered: functions(session: .placeholder).map(\.name), entries: [
            .function("provider", """
                ---A client for a provider in the current environment (`payrun run --env`; the built-in
                ---simulators by default). Signing happens in payrun with the configured credentials; the script
                ---never sees them. Raises a `payrun.error` for an unknown provider or environment.
                ---@param name string "particeep", "tradevest", or a provider the host registered
                ---@param options? payrun.provider.options
                ---@return payrun.provider\(overloads)
                """),
            .text("""
                ---@class payrun.provider.options
                ---@field headers? table<string, string> Sent with every request of this client (e.g. Tradevest's `Requestor-ID`); a request's own headers win.
                """),
            .text("""
                ---A provider's error, raised by the client's methods (catch it with `pcall`) or returned by
                ---`tryrequest`. `tostring(e)` is e.g. `particeep: 404 error.user.none: no user with id usr_9`.
                ---@class payrun.error
                ---@field provider string
                ---@field status? integer The HTTP status, when the provider answered.
                ---@field code? string The provider's own error code, e.g. "error.user.none".
                ---@field message string
                ---@field request_id? string The provider's id for the request, for its support.
                ---@field retryable boolean Whether the same request could succeed later.
                ---@field details table<string, string> More the provider said (fields, validation).
                ---@field journaled? true The answer an earlier attempt of this durable run got, given back from its journal: not sent again.
                ---@field outcome_unknown? true Sent, and no answer came (a timeout, a lost connection): it may or may not have been applied; look it up before sending it again.
                ---@field description string The one-line text `tostring` gives.
                """),
            .text("""
                ---What came with a result: `{status=200, headers={["request-quota"]="12", ...}, attempts=1}`.
                ---@class payrun.response
                ---@field status integer
                ---@field headers table<string, string> Lower-case names.
                ---@field attempts integer How many times the request was sent (reads are retried on 5xx, 429, timeouts).
                ---@field already_accepted? boolean A create resent after a lost answer was refused as a repeat: the result is what the first attempt made.
                ---@field journaled? boolean Not sent: a resumed run answered this mutation from its journal, as an earlier attempt got it.
                """),
        ])
    }
}
