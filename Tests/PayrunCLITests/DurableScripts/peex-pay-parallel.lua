-- peex-pay.lua with the payouts sent eight at a time by payrun.parallel: each coroutine's request
-- waits on the script's thread with the others', and the journal alone keeps a resumed run from
-- paying twice, whichever of them were under way when the run was killed.
local peex = payrun.provider("peex")
local rows = {}
for row in payrun.csv.file(1) do rows[#rows + 1] = row end
payrun.parallel(rows, function(row)
  peex:request_payment({
    track_id = row.reference, mobile_phone = "+237677000001",
    amount = tonumber(row.amount), from_currency = "XAF", to_currency = "XAF", aml_cft = true, first_name = "Ama",
    last_name = "Njoh", to_country = "CM", purpose = "payout", fund_origin = "salary", sender_mobile_phone = "+33612345678",
    sender_country = "FR", sender_first_name = "Payrun", sender_last_name = "Ops",
  })
end, { concurrency = 8 })
print(#rows .. " paid")
