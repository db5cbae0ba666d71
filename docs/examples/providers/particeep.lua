-- Particeep (providers.md §1) declared in Lua instead of Swift: the same requests, signatures,
-- errors, pages and webhooks as payrun's built-in particeep provider, which the tests check by
-- running the built-in provider's tests against this file too.
return {
  name = "particeep",
  base_url = {
    test = "https://test-api.particeep.com/v1",
    live = "https://api.particeep.com/v1",
    sandbox = "/particeep/v1", -- under payrun's simulators
  },
  credentials = { "api_key", "api_secret" },
  -- The simulator's, public like the test key in Particeep's own document.
  sandbox_credentials = { api_key = "sandbox-particeep-key", api_secret = "sandbox-particeep-secret" },

  -- Authorization: PTP:<key>:base64(hex(HMAC-SHA1(secret, secret .. key .. DateTime)))
  auth = {
    kind = "hmac",
    algorithm = "sha1",
    key = "api_secret",
    message = { { credential = "api_secret" }, { credential = "api_key" }, "timestamp" },
    encoding = "base64_hex",
    timestamp = "iso8601",
    headers = { DateTime = "{timestamp}", Authorization = "PTP:{api_key}:{signature}" },
  },

  -- Answers come as { result = ..., error = ..., meta = ... } or bare.
  result = { path = "result", when = { "error", "meta" } },
  errors = {
    flag = { "error.hasError", "hasError" },
    code = { "error.errors[1].technicalCode", "errors[1].technicalCode" },
    message = { "error.errors[1].message", "errors[1].message" },
  },

  -- Creates and updates carry nothing Particeep deduplicates: only these are sent again.
  retry = { "GET", "HEAD", "OPTIONS", "DELETE" },

  pagination = { kind = "offset", limit = "limit", offset = "offset", items = "data", total = "total_size", default_limit = 30 },

  -- Webhooks carry the same signature, over their DateTime.
  webhooks = {
    kind = "hmac",
    algorithm = "sha1",
    key = "api_secret",
    message = { { credential = "api_secret" }, { credential = "api_key" }, "timestamp" },
    encoding = "base64_hex",
    timestamp = { header = "DateTime", format = "iso8601" },
    header = "Authorization",
    value = "PTP:{api_key}:{signature}",
    tolerance = 300,
    type = { header = "X-Particeep-Event" },
  },

  endpoints = {
    "/info", "/user", "/user/{id}", "/user/email/{email}", "/user/search", "/transaction",
    "/transaction/{id}", "/transaction/search", "/transaction/{id}/cancel", "/wallet", "/wallet/{id}",
    "/wallet/{id}/cashin", "/wallet/{id}/cashout", "/wallet/transfer", "/wallet/{id}/transactions",
    "/webhook", "/webhook/{id}",
  },
}
