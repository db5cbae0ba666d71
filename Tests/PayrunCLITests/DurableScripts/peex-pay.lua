-- Pays each row of a CSV (reference,recipient,amount) to a mobile wallet through Peex, the
-- reference as track_id, with no check of its own: the journal alone keeps a resumed run from
-- paying twice (Peex looks a payment in doubt up by its track_id).
local peex = payrun.provider("peex")
local paid = 0
for row in payrun.csv.file(1) do
  peex:request_payment({
    track_id = row.reference, mobile_phone = "+237677000001",
    amount = tonumber(row.amount), from_currency = "XAF", to_currency = "XAF", aml_cft = true, first_name = "Ama",
    last_name = "Njoh", to_country = "CM", purpose = "payout", fund_origin = "salary", sender_mobile_phone = "+33612345678",
    sender_country = "FR", sender_first_name = "Payrun", sender_last_name = "Ops",
  })
  paid = paid + 1
end
print(paid .. " paid")
