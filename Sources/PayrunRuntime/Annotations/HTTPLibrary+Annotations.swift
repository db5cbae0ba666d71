// The LuaLS annotations of payrun.http: `payrun annotations` writes them into the editor library
// with the others, and a test keeps scripts/library/payrun.lua equal to them.

extension HTTPLibrary {
    static var annotations: LuaAnnotationTable {
        LuaAnnotationTable(prefix: "payrun.http.", registered: functions(session: .placeholder, output: CapturedOutput()).map(\.name), entries: [
            .text("""
                ---Requests to services other than the providers (a chat's incoming webhook, a ticketing API),
                ---only to the hosts allowed by `payrun run --allow-host HOST[:PORT]` or `allow_hosts` in the config
                ---file. Credentials are handles (`payrun.credential("chat", "webhook_url")`), filled in outside Lua.
                ---@class payrun.httplib
                payrun.http = {}
                """),
            .text("""
                ---@class payrun.http.request
                ---@field method? string "GET" (the default), "POST", "PUT", "PATCH", "DELETE", "HEAD"…
                ---@field url string|payrun.credential The URL, or a credential whose secret is the whole URL.
                ---@field headers? table<string, string|number|payrun.credential|(string|payrun.credential)[]> A list is joined: `{"Bearer ", token}`.
                ---@field query? table<string, string|number|boolean|payrun.decimal|payrun.credential> Added to the URL, sorted by name.
                ---@field body? string|table A string is sent as it is; a table as JSON (credential handles allowed in it).
                ---@field retry? boolean Send a mutation again after a failure that may have arrived (reads always are).
                """),
            .text("""
                ---@class payrun.http.options
                ---@field headers? table<string, string|number|payrun.credential|(string|payrun.credential)[]>
                ---@field query? table<string, string|number|boolean|payrun.decimal|payrun.credential>
                ---@field retry? boolean
                """),
            .text("""
                ---@class payrun.http.response
                ---@field status integer The HTTP status (0 for a mutation `--dry-run` did not send).
                ---@field headers table<string, string> Names in lower case.
                ---@field body string
                ---@field json? any The body decoded, when the answer says it is JSON.
                ---@field attempts integer How many times the request was sent.
                ---@field dry_run? true Not sent: `payrun run --dry-run`.
                """),
            .function("request", """
                ---Sends a request and returns the response. Raises an error table (`status`, `message`,
                ---`details.body`) for a status of 400 or more, no answer, or a host or credential not allowed.
                ---@param request payrun.http.request
                ---@return payrun.http.response
                """),
            .function("tryrequest", """
                ---Like `request`, but returns `nil` and the error instead of raising.
                ---@param request payrun.http.request
                ---@return payrun.http.response|nil
                ---@return payrun.error|nil
                """),
            .function("get", """
                ---A GET request (retried after a failure, as every read is).
                ---@param url string|payrun.credential
                ---@param options? payrun.http.options
                ---@return payrun.http.response
                """),
            .function("head", """
                ---A HEAD request.
                ---@param url string|payrun.credential
                ---@param options? payrun.http.options
                ---@return payrun.http.response
                """),
            .function("delete", """
                ---A DELETE request (not sent again after a failure unless `options.retry`).
                ---@param url string|payrun.credential
                ---@param options? payrun.http.options
                ---@return payrun.http.response
                """),
            .function("post", """
                ---A POST request: `body` a string sent as it is or a table sent as JSON. Not sent again after a
                ---failure that may have arrived, unless `options.retry`.
                ---@param url string|payrun.credential
                ---@param body string|table|nil
                ---@param options? payrun.http.options
                ---@return payrun.http.response
                """),
            .function("put", """
                ---A PUT request, as `post`.
                ---@param url string|payrun.credential
                ---@param body string|table|nil
                ---@param options? payrun.http.options
                ---@return payrun.http.response
                """),
            .function("patch", """
                ---A PATCH request, as `post`.
                ---@param url string|payrun.credential
                ---@param body string|table|nil
                ---@param options? payrun.http.options
                ---@return payrun.http.response
                """),
        ])
    }
}
