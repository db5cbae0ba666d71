-- Pays each row of a CSV (reference,recipient,amount) as a Particeep transaction from usr_1, with
-- no check of its own: what keeps a resumed run from paying twice is the journal alone.
local particeep = payrun.provider("particeep")
local paid = 0
for row in payrun.csv.file(1) do
  particeep:put("/transaction", {
    issuer_id = "usr_1", recipient_id = row.recipient, amount = tonumber(row.amount), currency = "EUR",
    custom = { payout_ref = row.reference },
  })
  paid = paid + 1
end
print(paid .. " paid")
