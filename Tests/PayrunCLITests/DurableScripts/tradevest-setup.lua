-- Makes the account the Tradevest payouts are paid from, once (externalIds make it idempotent):
-- a customer, a product, and funds. Prints the product's id.
local tradevest = payrun.provider("tradevest", { headers = { ["Requestor-ID"] = "3f1b6c1e-0000-4000-8000-000000000001" } })

local function create(path, body)
  local made, err = tradevest:tryrequest{ method = "POST", path = path, body = body }
  if made then return made end
  assert(err.status == 409, tostring(err))
  local collection = path:match("^/[^/]+")
  return tradevest:get(collection, { externalId = body.externalId }).data[1]
end

local customer = create("/customers/natural-persons", {
  externalId = tradevest:externalid("durable-payer"), firstName = "Payrun", lastName = "Payer",
  email = "payer@example.com", birthDate = "1980-01-01",
})
tradevest:await("/customers/" .. customer.customerId)
local product = create("/customer-products", {
  externalId = tradevest:externalid("durable-payer-account"), customerId = customer.customerId, productId = "CURRENT_ACCOUNT",
})
product = tradevest:await("/customer-products/" .. product.customerProductId)
if tonumber(product.balance) < 1000000 then
  tradevest:post("/transfers-test/incoming-transfer", { customerProductId = product.customerProductId, amount = "1000000.00", reference = "funding" })
end
-- Its body carries the webhook secret (filled in by payrun), which the journal must never hold.
tradevest:register_webhook("CUSTOMER_NOTIFICATION", "http://127.0.0.1:9/payrun-durable-test")
print(product.customerProductId)
