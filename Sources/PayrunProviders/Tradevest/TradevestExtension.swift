// Tradevest's own client methods, in Lua on top of the common ones: an externalId per logical
// operation, the full object behind a thin webhook, and waiting for an asynchronous create to be
// processed.
import PayrunProviderKit

enum TradevestExtension {
    /// The methods, registering webhooks with `header` carrying the webhook secret.
    static func methods(header: String) -> ProviderLuaExtension {
        ProviderLuaExtension(source: "local webhook_header = \"\(header)\"\n" + ExtensionLua.optionsOf + source, annotations: annotations)
    }

    static let source = #"""
        local tradevest = {}

        function tradevest:register_webhook(event_type, url)
          if type(event_type) ~= "string" then error("bad argument #1 to 'register_webhook' (string expected, got " .. type(event_type) .. ")", 2) end
          if type(url) ~= "string" then error("bad argument #2 to 'register_webhook' (string expected, got " .. type(url) .. ")", 2) end
          return self:post("/webhooks", {
            eventType = event_type, url = url,
            headers = { { name = webhook_header, value = payrun.credential("tradevest.webhook_secret") } },
          })
        end

        function tradevest:externalid(...)
          if select("#", ...) == 0 then error("bad argument #1 to 'externalid' (at least one part expected)", 2) end
          return payrun.uuid("tradevest", ...)
        end

        -- Which object a thin webhook payload is about, by the id it carries.
        local paths = {
          { "transferId", "/transfers/" }, { "customerProductId", "/customer-products/" }, { "customerId", "/customers/" },
        }

        function tradevest:fetch(notification)
          if type(notification) ~= "table" then
            error("bad argument #1 to 'fetch' (table expected, got " .. type(notification) .. ")", 2)
          end
          for _, entry in ipairs(paths) do
            local id = notification[entry[1]]
            if type(id) == "string" then return self:get(entry[2] .. id) end
          end
          error("bad argument #1 to 'fetch' (no transferId, customerProductId or customerId in the notification)", 2)
        end

        function tradevest:await(path, options)
          if type(path) ~= "string" then error("bad argument #1 to 'await' (string expected, got " .. type(path) .. ")", 2) end
          local timeout = options_of(options, 2, "await", { "timeout" }).timeout or 60
          local delay, waited = 0.05, 0
          while true do
            local entity, response = self:get(path)
            if entity.status ~= "RECEIVED" then return entity, response end
            if waited >= timeout then
              error(string.format("tradevest: %s was still RECEIVED after %g s", path, timeout), 2)
            end
            payrun.sleep(delay)
            waited = waited + delay
            delay = math.min(delay * 2, 2, timeout - waited + 0.01)
          end
        end

        return tradevest
        """#

    static let annotations: [(name: String, text: String)] = [
        ("register_webhook", """
            ---Registers (or replaces) the webhook for `event_type` (e.g. "CUSTOMER_NOTIFICATION") with the
            ---header that proves it is Tradevest's: its value is the `tradevest.webhook_secret`
            ---credential, filled in by payrun and never seen by the script (Tradevest's answer shows
            ---it redacted). `payrun.webhook.verify("tradevest", ...)` then checks deliveries against it.
            ---@param event_type string
            ---@param url string An https URL (the simulator also takes http on this machine).
            ---@return table webhook
            ---@return payrun.response response
            """),
        ("externalid", """
            ---The externalId for one logical operation: the same parts give the same id on every run
            ---(`t:externalid("onboard", row.email)`), so a re-run is refused as a duplicate (409)
            ---instead of creating twice, and a create with one may be retried safely.
            ---@param ... string|number
            ---@return string
            """),
        ("fetch", """
            ---The full object a thin webhook payload is about: the transfer, customer product or
            ---customer named by its `transferId`, `customerProductId` or `customerId`.
            ---@param notification table The decoded webhook body.
            ---@return table object
            ---@return payrun.response response
            """),
        ("await", """
            ---GETs `path` until the entity's status is no longer RECEIVED (Tradevest processes creates
            ---asynchronously: it becomes e.g. CREATED or INVALID), waiting longer between tries (up to
            ---2 s); raises when `timeout` seconds (default 60) pass first.
            ---@param path string e.g. "/customers/" .. id
            ---@param options? { timeout: number }
            ---@return table entity
            ---@return payrun.response response
            """),
    ]
}
