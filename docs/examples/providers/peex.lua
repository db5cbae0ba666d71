-- Peex (providers.md §4) declared in Lua instead of Swift: its SECRETKEY header (and
-- ACCESS-TOKEN when one is set), its errors, a payment's track_id looked up before it is ever
-- sent again, and callbacks checked by their Basic credentials. The tests run the built-in
-- provider's Peex tests against this file too.
return {
  name = "peex",
  base_url = {
    test = "https://dev-backend.peexit.com/api/v3",
    sandbox = "/peex/api/v3",
  },
  credentials = { "secret_key", "access_token", "callback_user", "callback_password" },
  sandbox_credentials = {
    secret_key = "sandbox-peex-secret-key", callback_user = "sandbox-peex", callback_password = "sandbox-peex-callback",
  },

  auth = {
    { kind = "header", name = "SECRETKEY", credential = "secret_key" },
    { kind = "header", name = "ACCESS-TOKEN", credential = "access_token", optional = true },
  },

  errors = {
    message = { "message", "error" },
    meanings = {
      [401] = "the SECRETKEY was refused: check peex.secret_key",
      [404] = "not found (an unknown beneficiary, or no request with that track_id)",
      [422] = "refused (aml_cft not confirmed, or a track_id that is not yours)",
    },
  },

  -- Only reads are sent again blindly. A payment request whose answer was lost is first looked
  -- for by its track_id, and sent again only if Peex does not have it.
  retry = { "GET" },
  lookups = {
    { method = "POST", path = "/clients/request_payment", reference = "track_id",
      find = "/clients/all_requests", query = "track_id", answer = "request" },
  },

  webhooks = { kind = "basic", username = "callback_user", password = "callback_password" },

  endpoints = { "/clients/me", "/clients/request_payment", "/clients/all_requests" },

  -- Client methods, in Lua on top of p:get, p:post and the rest: they run in the script's
  -- sandbox, like the script's own code, and never see a credential.
  methods = [[
    local peex = {}
    local final = { paid = true, failed = true, canceled = true, rejected = true }

    local function e164(text)
      return type(text) == "string" and text:match("^%+[1-9]%d+$") ~= nil and #text >= 9 and #text <= 16
    end

    local function code(text, length)
      return type(text) == "string" and #text == length and text:match("^%u+$") ~= nil
    end

    local function positive(amount)
      if type(amount) == "number" then return amount > 0 and amount == amount and amount ~= math.huge end
      local text = tostring(amount)
      return text:match("^%d+%.?%d*$") ~= nil and text:match("[1-9]") ~= nil
    end

    -- The fields of a payment request: a misspelt one would be dropped and Peex's default used
    -- (`to_currncy`: paid in XAF).
    local fields = { "track_id", "amount", "from_currency", "to_currency", "fxrate", "aml_cft", "mobile_phone", "email",
      "first_name", "last_name", "to_country", "sender_first_name", "sender_last_name", "sender_mobile_phone", "sender_email",
      "sender_country", "purpose", "fund_origin" }
    local known = {}
    for _, name in ipairs(fields) do known[name] = true end

    -- What Peex needs in a payment request, one problem per field, checked before it is sent.
    local function problems(p)
      local found = {}
      local unknown = {}
      for name in pairs(p) do
        if not known[name] then unknown[#unknown + 1] = tostring(name) end
      end
      table.sort(unknown)
      for _, name in ipairs(unknown) do
        found[#found + 1] = "unknown field '" .. name .. "' (the fields are " .. table.concat(fields, ", ") .. ")"
      end
      for _, name in ipairs({ "track_id", "first_name", "last_name", "purpose", "fund_origin" }) do
        if type(p[name]) ~= "string" or p[name] == "" then found[#found + 1] = name .. " is required" end
      end
      if not positive(p.amount) then found[#found + 1] = "amount must be a positive number (a payrun.decimal for exact amounts)" end
      if p.aml_cft ~= true and p.aml_cft ~= 1 then
        found[#found + 1] = "aml_cft must be true: Peex refuses a payment without the AML/CFT confirmation"
      end
      for _, name in ipairs({ "from_currency", "to_currency" }) do
        if (p[name] ~= nil or name == "from_currency") and not code(p[name], 3) then
          found[#found + 1] = name .. " must be an upper-case ISO 4217 code like XAF"
        end
      end
      for _, name in ipairs({ "to_country", "sender_country" }) do
        if not code(p[name], 2) then found[#found + 1] = name .. " must be an upper-case ISO 3166 alpha-2 code like CM" end
      end
      if p.mobile_phone ~= nil then
        if not e164(p.mobile_phone) then
          found[#found + 1] = "mobile_phone must be an E.164 number like +237677000001, not " .. tostring(p.mobile_phone)
        end
      elseif type(p.email) ~= "string" or not p.email:find("@", 1, true) then
        found[#found + 1] = "mobile_phone (E.164) or email of the beneficiary is required"
      end
      if not e164(p.sender_mobile_phone) then found[#found + 1] = "sender_mobile_phone must be an E.164 number like +33612345678" end
      return found
    end

    ---Asks Peex to pay a mobile wallet (`clients/request_payment`), checked before it is sent: each
    ---problem names its field. The `track_id` is the payment's reference: after a failure with no
    ---answer payrun looks it up before sending again, so the same payment is never requested twice.
    ---@param payment table
    ---@return table request `{id=, status=, track_id=, ...}`
    ---@return payrun.response response
    function peex:request_payment(payment)
      if type(payment) ~= "table" then error("bad argument #1 to 'request_payment' (table expected, got " .. type(payment) .. ")", 2) end
      local found = problems(payment)
      if #found > 0 then error("peex: invalid_payment: request_payment not sent: " .. table.concat(found, "; "), 2) end
      local answer, response = self:post("/clients/request_payment", payment)
      -- A dry run gives back the payment it would have sent.
      if response.dry_run then return answer, response end
      return answer.request, response
    end

    ---The payment request with `track_id` (`clients/all_requests`), or nil if Peex has none.
    ---@param track_id string
    ---@return table?
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

    ---Whether `status` is final: paid, failed, canceled or rejected.
    ---@param status string
    ---@return boolean
    function peex:is_final(status)
      return final[status] == true
    end

    ---Polls the request with `track_id`, waiting longer between tries (up to 5 s), until its status
    ---is final; returns it, or `nil` and why after `timeout` seconds (default 120).
    ---@param track_id string
    ---@param options? { timeout: number }
    ---@return table? request
    ---@return string? reason
    function peex:wait_for(track_id, options)
      if options ~= nil and type(options) ~= "table" then
        error("bad argument #2 to 'wait_for' (table expected, got " .. type(options) .. ")", 2)
      end
      for key in pairs(options or {}) do
        if key ~= "timeout" then error("bad argument #2 to 'wait_for' (unknown field '" .. tostring(key) .. "' (the fields are timeout))", 2) end
      end
      local timeout = options and options.timeout or 120
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
  ]],
}
