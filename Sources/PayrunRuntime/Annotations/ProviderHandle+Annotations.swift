// The LuaLS annotations of the methods of a provider client: `payrun annotations` writes them into the
// editor library with the others, and a test keeps scripts/library/payrun.lua equal to them.

extension ProviderHandle {
    static var annotations: LuaAnnotationTable {
        LuaAnnotationTable(prefix: "provider:", registered: luaMethods.map(\.name), entries: [
            .text("""
                ---@class payrun.provider: userdata
                local provider = {}
                """),
            .function("get", """
                ---GET `path` (from the provider's base URL, e.g. "/user/usr_1") with `query` parameters.
                ---@param path string
                ---@param query? table<string, string|number|boolean|payrun.decimal>
                ---@return any result The decoded result, envelope removed.
                ---@return payrun.response response
                """),
            .function("delete", """
                ---DELETE `path`.
                ---@param path string
                ---@param query? table<string, string|number|boolean|payrun.decimal>
                ---@return any result
                ---@return payrun.response response
                """),
            .function("post", """
                ---POST `body` (a table sent as JSON, or a JSON string) to `path`. Never resent automatically
                ---unless the provider can recognise a repeat.
                ---@param path string
                ---@param body? table|string
                ---@return any result
                ---@return payrun.response response
                """),
            .function("put", """
                ---PUT `body` to `path`.
                ---@param path string
                ---@param body? table|string
                ---@return any result
                ---@return payrun.response response
                """),
            .text("""
                ---@class payrun.request
                ---@field method? string "GET" unless given.
                ---@field path string
                ---@field query? table<string, string|number|boolean|payrun.decimal>
                ---@field body? table|string
                ---@field headers? table<string, string> Added to the request (authentication is payrun's).
                """),
            .function("request", """
                ---Any request; raises a `payrun.error` on failure.
                ---@param request payrun.request
                ---@return any result
                ---@return payrun.response response
                """),
            .function("sign", """
                ---The request as it would be sent — `{method=, url=, headers=, body=}` — with the headers and body
                ---fields signing adds that carry anything secret shown as "[redacted: added by payrun when sent]".
                ---For looking at and for manual calls: `p:request(p:sign{...})` sends it, signed afresh (not a
                ---Capitalist form: send its operation with `c:call`).
                ---@param request payrun.request
                ---@return { method: string, url: string, headers: table<string, string>, body: string? }
                """),
            .function("tryrequest", """
                ---Like `request`, but returns `nil, err` instead of raising.
                ---@param request payrun.request
                ---@return any result
                ---@return payrun.response|payrun.error response_or_error
                """),
            .function("paginate", """
                ---An iterator over every item of a list, across pages in the provider's own scheme, fetching the
                ---next page while the loop works: `for t in p:paginate("/transaction/search", {status="PENDING"}) do`.
                ---With `progress = true` (or a label), a `payrun.progress` line counts the items fetched.
                ---@param path string
                ---@param query? table<string, string|number|boolean|payrun.decimal>
                ---@param options? { page_size: integer, progress: boolean|string }
                ---@return fun(): any
                """),
        ])
    }
}
