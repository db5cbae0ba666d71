// Peex's own client methods, in Lua on top of the common ones: a payment request, its status by
// track_id, whether a status is final, and waiting until it is.
import PayrunProviderKit

enum PeexExtension {
    static var methods: ProviderLuaExtension {
        let finals = PeexProvider.finalStatuses.sorted().map { "\($0) = true" }.joined(separator: ", ")
        return ProviderLuaExtension(source: "local final = { \(finals) }\n" + ExtensionLua.optionsOf + source, annotations: annotations)
    }

    static let source = #"""
        local peex = {}

        function peex:request_payment(payment)
          if type(payment) ~= "table" then error("bad argument #1 to 'request_payment' (table expected, got " .. type(payment) .. ")", 2) end
          local answer, response = self:post("/clients/request_payment", payment)
          -- A dry run gives back the payment it would have sent.
          if response.dry_run then return answer, response end
          return answer.request, response
        end

        function peex:find(track_id)
          if type(track_id) ~= "string" then error("bad argument #1 to 'find' (string expected, got " .. type(track_id) .. ")", 2) end
          local found, err = self:tryrequest{ path = "/clients/all_requests", query = { track_id = track_id } }
          if found then
            for _, request in ipairs(found) do
              if request.track_id == track_id then return request end
            end
            return nil
          end
          if err.status == 404 then return nil end
          error(err, 2)
        end

        function peex:is_final(status)
          return final[status] == true
        end

        function peex:wait_for(track_id, options)
          local timeout = options_of(options, 2, "wait_for", { "timeout" }).timeout or 120
          local delay, waited = 0.1, 0
          while true do
            local request = self:find(track_id)
            if request == nil then error("peex: no payment request with track_id " .. tostring(track_id), 2) end
            if final[request.status] then return request end
            if waited >= timeout then
              return nil, string.format("still %s after %g s", request.status, timeout)
            end
            payrun.sleep(delay)
            waited = waited + delay
            delay = math.min(delay * 2, 5)
          end
        end

        return peex
        """#

    static let annotations: [(name: String, text: String)] = [
        ("request_payment", """
            ---Asks Peex to pay a mobile wallet (`clients/request_payment`). Checked before it is sent, each
            ---problem naming its field: `track_id`, `amount` (> 0), `from_currency` (and `to_currency`) as
            ---upper-case ISO codes, `aml_cft = true`, `mobile_phone` in E.164 (or `email`), `first_name`,
            ---`last_name`, `to_country`, `sender_mobile_phone`, `sender_country`, `purpose`, `fund_origin`.
            ---The `track_id` is the payment's reference: after a failure with no answer payrun looks it
            ---up before sending again, so the same payment is never requested twice.
            ---@param payment table
            ---@return table request `{id=, status=, track_id=, ...}`
            ---@return payrun.response response
            """),
        ("find", """
            ---The payment request with `track_id` (`clients/all_requests`), or nil if Peex has none.
            ---@param track_id string
            ---@return table?
            """),
        ("is_final", """
            ---Whether `status` is final: paid, failed (the reason in `payment_proof`), canceled or rejected.
            ---`new`, `pending`, `mw_balance_pending`, `balance_pending` and `max_amount` may still change.
            ---@param status string
            ---@return boolean
            """),
        ("wait_for", """
            ---Polls the request with `track_id`, waiting longer between tries (up to 5 s), until its status
            ---is final; returns it, or `nil` and why after `timeout` seconds (default 120).
            ---@param track_id string
            ---@param options? { timeout: number }
            ---@return table? request
            ---@return string? reason
            """),
    ]
}
