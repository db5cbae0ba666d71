-- acmepay: a Stripe-style card payments API, declared in a page of Lua. It shows each part a
-- definition can declare; copy it to providers/NAME.lua next to your scripts and change what
-- differs. payrun's tests run it against a Stripe-style server on loopback.
--
--   payrun credentials set acmepay.secret_key --env test
--   payrun credentials set acmepay.webhook_secret --env test
--   payrun run --env test charge.lua
return {
  name = "acmepay",
  base_url = {
    test = "https://api.acmepay.example/v1",
    live = "https://api.acmepay.example/v1",
  },
  credentials = { "secret_key", "webhook_secret" },

  -- Authorization: Bearer <secret_key>, added in Swift; the script never sees the key.
  auth = { kind = "bearer", credential = "secret_key" },

  -- { "error": { "type": "card_error", "code": "card_declined", "message": "…", "param": "…" } }
  errors = { code = "error.code", message = "error.message", details = "error" },

  -- Reads and deletes may be sent again; a POST carries an Idempotency-Key (made by payrun, or
  -- the script's own), which the API honours, so it may be sent again too.
  retry = { "GET", "HEAD", "DELETE" },
  idempotency = { header = "Idempotency-Key", methods = { "POST" } },

  -- Lists: { "data": [...], "has_more": true }, the next page after the last item's id.
  -- Events page with Link headers instead.
  pagination = {
    kind = "cursor", cursor = "starting_after", after_item = "id", more = "has_more",
    limit = "limit", items = "data", default_limit = 100,
    paths = {
      ["/events"] = { kind = "link", limit = "limit", items = "data", default_limit = 100 },
    },
  },

  -- Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">, within 5 minutes.
  webhooks = { kind = "stripe", secret = "webhook_secret", header = "Stripe-Signature", tolerance = 300 },

  endpoints = {
    "/charges", "/charges/{id}", "/refunds", "/refunds/{id}", "/customers", "/customers/{id}", "/events", "/events/{id}",
  },
}
