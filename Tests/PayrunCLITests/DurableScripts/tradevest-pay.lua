-- Pays each row of a CSV (reference,recipient,amount) by SEPA transfer from the product given as
-- argument 2, each with an externalId from its reference, with no check of its own: the journal
-- alone keeps a resumed run from paying twice (Tradevest recognises a repeated externalId).
local tradevest = payrun.provider("tradevest", { headers = { ["Requestor-ID"] = "3f1b6c1e-0000-4000-8000-000000000001" } })
local paid = 0
for row in payrun.csv.file(1) do
  tradevest:post("/transfers", {
    externalId = tradevest:externalid("durable-payout", row.reference), customerProductId = arg[2],
    amount = string.format("%d.00", tonumber(row.amount)), currency = "EUR", creditorName = row.recipient,
    creditorIban = "DE89370400440532013000", reference = row.reference,
  })
  paid = paid + 1
end
print(paid .. " paid")
