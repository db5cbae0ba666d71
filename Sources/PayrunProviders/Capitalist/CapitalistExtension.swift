// Capitalist's own client methods, in Lua on top of the common ones: operations as calls, the
// batch builder, signed batch imports, paging through a batch and the history, and finding a
// payment by its number before paying it again.
import PayrunProviderKit

enum CapitalistExtension {
    static let methods = ProviderLuaExtension(source: ExtensionLua.optionsOf + source + operationMethods, annotations: annotations + operationAnnotations)

    /// The documented operations, each also a method: `c:get_accounts()` is `c:call("get_accounts")`.
    static let operations: [(name: String, does: String)] = [
        ("get_accounts", "Your wallets: `accounts = {{number=, currency=, balance=, blockedAmount=, name=}, ...}`."),
        ("is_verified_account", "Whether the holder of `account` is verified."),
        ("currency_rates", "Current rates: `rates = {{from=, to=, rate=}, ...}`."),
        ("get_batch_info", "One page of a batch's records (`batch_id`, `page_size` ≤ 1000, `start_offset`); see `batch_records`."),
        ("get_documents_history_ext", "One page of the history (`period_from`, `period_to`, `document_state`, `limit`, `page`); see `history`."),
        ("documents_search", "The payments with your payment number `customNumber`; see `find_payment`."),
        ("process_batch", "Confirms a MOBILE batch: `batch_id` and the code as `verification_data`."),
    ]

    /// The end of the chunk: a method per operation, then the table of methods.
    static var operationMethods: String {
        let names = operations.map { "\"\($0.name)\"" }.joined(separator: ", ")
        return """

            for _, operation in ipairs({ \(names) }) do
              capitalist[operation] = function(self, fields) return self:call(operation, fields) end
            end

            return capitalist
            """
    }

    static var operationAnnotations: [(name: String, text: String)] {
        operations.map { operation in
            (operation.name, """
                ---`\(operation.name)`: \(operation.does)
                ---@param fields? table<string, string|number|boolean|payrun.decimal>
                ---@return table data
                ---@return payrun.response response
                """)
        }
    }

    static let source = #"""
        local capitalist = {}

        local function fields_with(operation, fields)
          local all = { operation = operation }
          for name, value in pairs(fields or {}) do all[name] = value end
          return all
        end

        -- Called by the method: the error points one level further up.
        local function paging(options, name)
          options = options_of(options, 2, name, { "page_size", "progress" }, 4)
          return { page_size = options.page_size or 1000, progress = options.progress }
        end

        function capitalist:call(operation, fields)
          if type(operation) ~= "string" then error("bad argument #1 to 'call' (string expected, got " .. type(operation) .. ")", 2) end
          return self:post("/", fields_with(operation, fields))
        end

        function capitalist:trycall(operation, fields)
          if type(operation) ~= "string" then error("bad argument #1 to 'trycall' (string expected, got " .. type(operation) .. ")", 2) end
          return self:tryrequest{ method = "POST", path = "/", body = fields_with(operation, fields) }
        end

        -- The fields of one line after the channel, by channel (providers.md §3).
        local formats = {
          CAPITALIST = { "account", "amount", "currency", "number", "description" },
          WM = { "account", "amount", "currency", "number", "description" },
          RUCARD = { "card", "amount", "currency", "number", "description", "first_name", "last_name" },
        }

        -- The batch text for `payments`; errors are raised `level` levels up, at the script's call.
        local function batch_text(payments, name, level)
          if type(payments) ~= "table" then error("bad argument #1 to '" .. name .. "' (table expected, got " .. type(payments) .. ")", level) end
          local lines, numbers = {}, {}
          for i, payment in ipairs(payments) do
            if type(payment) ~= "table" then error(string.format("payment %d: a table expected, got %s", i, type(payment)), level) end
            local channel = payment.channel or "CAPITALIST"
            local names = formats[channel]
            if not names then error(string.format("payment %d: unknown channel '%s' (CAPITALIST, WM or RUCARD)", i, tostring(channel)), level) end
            -- A misspelt field would be left out of the line: `chanel = "WM"` paid through CAPITALIST.
            for key in pairs(payment) do
              local known = key == "channel"
              for _, name in ipairs(names) do known = known or key == name end
              if not known then
                error(string.format("payment %d: unknown field %s (a %s payment has channel, %s)", i,
                                    type(key) == "string" and "'" .. key .. "'" or "[" .. tostring(key) .. "]", channel, table.concat(names, ", ")), level)
              end
            end
            local values = { channel }
            for _, name in ipairs(names) do
              local value = payment[name]
              if name == "amount" then
                local ok, amount = pcall(payrun.decimal.new, value)
                if not ok or amount:sign() <= 0 then
                  error(string.format("payment %d: amount must be a positive decimal, not %s", i, tostring(value)), level)
                end
                value = amount:tostring()
              end
              if value == nil or value == "" then error(string.format("payment %d: %s is required", i, name), level) end
              value = tostring(value)
              if value:find("[;\r\n]") then error(string.format("payment %d: %s contains ';' or a line break", i, name), level) end
              values[#values + 1] = value
            end
            if numbers[payment.number] then
              error(string.format("payment %d: payment number %s is already payment %d's", i, tostring(payment.number), numbers[payment.number]), level)
            end
            numbers[payment.number] = i
            lines[#lines + 1] = table.concat(values, ";")
          end
          if #lines == 0 then error("bad argument #1 to '" .. name .. "' (no payments)", level) end
          return table.concat(lines, "\n")
        end

        function capitalist:batch(payments)
          local text = batch_text(payments, "batch", 3)  -- not a tail call: level 3 is the script's line
          return text
        end

        function capitalist:import_batch(payments, options)
          options = options_of(options, 2, "import_batch", { "verification", "accounts", "code" })
          local batch = type(payments) == "string" and payments or batch_text(payments, "import_batch", 3)
          local fields = { batch = batch, verification_type = options.verification or "SIGNATURE", verification_data = options.code }
          for currency, account in pairs(options.accounts or {}) do fields["account_" .. currency] = account end
          return self:call("import_batch_advanced", fields)
        end

        function capitalist:batch_records(batch_id, options)
          if type(batch_id) ~= "string" and type(batch_id) ~= "number" then
            error("bad argument #1 to 'batch_records' (a batch id expected, got " .. type(batch_id) .. ")", 2)
          end
          return self:paginate("/", { operation = "get_batch_info", batch_id = batch_id }, paging(options, "batch_records"))
        end

        function capitalist:history(fields, options)
          local query = { operation = "get_documents_history_ext" }
          for name, value in pairs(fields or {}) do query[name] = value end
          return self:paginate("/", query, paging(options, "history"))
        end

        function capitalist:find_payment(number)
          local found = self:call("documents_search", { customNumber = tostring(number) })
          return found.documents[1]
        end

        """#

    static let annotations: [(name: String, text: String)] = [
        ("call", """
            ---Runs a Capitalist operation: `c:call("get_accounts")`. `login` and the password (plain or
            ---RSA-encrypted with a `get_token` key, renewed when refused) are added by payrun; numbers and
            ---decimals are sent with `.`. Returns the reply's `data` (JSON or CSV alike); raises a
            ---`payrun.error` whose `code` is Capitalist's ("15") and whose message is its documented meaning.
            ---@param operation string
            ---@param fields? table<string, string|number|boolean|payrun.decimal>
            ---@return table data
            ---@return payrun.response response
            """),
        ("trycall", """
            ---Like `call`, but returns `nil, err` instead of raising.
            ---@param operation string
            ---@param fields? table<string, string|number|boolean|payrun.decimal>
            ---@return table? data
            ---@return payrun.response|payrun.error response_or_error
            """),
        ("batch", """
            ---The batch text for `payments`, one line each: `{account=, amount=, currency=, number=, description=}`
            ---(channel CAPITALIST or WM), or `{channel="RUCARD", card=, ..., first_name=, last_name=}`. Amounts are
            ---exact decimals; a missing field, a repeated payment number, or `;` or a line break in a value is
            ---an error naming the payment.
            ---@param payments table[]
            ---@return string
            """),
        ("import_batch", """
            ---Uploads a batch (payments, or batch text) with `import_batch_advanced`. Verification
            ---`SIGNATURE` (default: payrun signs the exact text with the `capitalist.certificate` key),
            ---`PIN` (the md5 of `capitalist.pin`) or `MOBILE` (confirm with `process_batch`).
            ---Never sent twice by payrun: look payments up with `find_payment` before paying again.
            ---@param payments table[]|string
            ---@param options? { verification: "SIGNATURE"|"PIN"|"MOBILE", accounts: table<string, string>, code: string }
            ---@return table data `{id=, summary=, fee=, nettoSummary=, errors=}`
            ---@return payrun.response response
            """),
        ("batch_records", """
            ---An iterator over every record of a batch, `get_batch_info` a page (`page_size`, default
            ---1000, at most 1000) at a time, the next fetched while the loop works:
            ---`for r in c:batch_records(id) do print(r.customNumber, r.state) end`. The same as
            ---`c:paginate("/", {operation = "get_batch_info", batch_id = id})`.
            ---@param batch_id string
            ---@param options? { page_size: integer, progress: boolean|string }
            ---@return fun(): table
            """),
        ("history", """
            ---An iterator over the operations history (`get_documents_history_ext`), page by page:
            ---`c:paginate("/", {operation = "get_documents_history_ext", ...})`.
            ---@param fields? table `period_from`, `period_to` (DD.MM.YYYY), `document_state`, `account`
            ---@param options? { page_size: integer, progress: boolean|string } `page_size` 50 to 1000
            ---@return fun(): table
            """),
        ("find_payment", """
            ---The payment with your payment number (`documents_search`), or nil: check before paying again.
            ---@param number string|integer
            ---@return table?
            """),
    ]
}
