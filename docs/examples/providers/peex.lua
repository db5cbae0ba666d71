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

  errors = { message = { "message", "error" } },

  retry = { "GET" },

  webhooks = { kind = "basic", username = "callback_user", password = "callback_password" },

  endpoints = { "/clients/me", "/clients/request_payment", "/clients/all_requests" },
}
